package host

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A crash loop's events aggregate as kubectl shows them (BackOff x2, Started x3), in
// `get events` with a field selector and in describe's Events table, and a restarted podd still
// has them (<root>/events).
func TestEventsCrashLoop(t *testing.T) {
	d := StartPodd(t)
	d.Apply(crashPod("crash"))
	sel := "--field-selector=involvedObject.name=crash"
	var backoffs int // a loaded machine may poll past x2: at least 2
	eventually(t, 60*time.Second, "a second BackOff", func() error {
		out := d.MustCtl("describe", "pod", "crash")
		if backoffs = eventCount(lineWith(out, "Back-off restarting")); backoffs < 2 {
			return fmt.Errorf("describe:\n%s", out)
		}
		return nil
	})
	out := d.MustCtl("get", "events", sel)
	if !strings.HasPrefix(out, "LAST SEEN   TYPE") || !strings.Contains(out, "Warning   BackOff   pod/crash   Back-off restarting failed container app in pod crash") ||
		!strings.Contains(out, "Normal    Started   pod/crash   Started container app") {
		t.Errorf("get events:\n%s", out)
	}
	if other := d.MustCtl("get", "events", "--field-selector=involvedObject.name=nope", "-A"); other != "" {
		t.Errorf("events of another pod: %q", other)
	}
	time.Sleep(1500 * time.Millisecond) // past the store's write delay
	if err := d.Stop(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	d.Start()
	if again := lineWith(d.MustCtl("describe", "pod", "crash"), "Back-off restarting"); eventCount(again) < backoffs {
		t.Errorf("events after a podd restart: %q, want BackOff counted %d times or more", again, backoffs)
	}
	d.MustCtl("delete", "pod", "crash", "--now")
}

// eventCount is N of describe's "(xN over ...)" in an event's line: 1 without it, 0 for none.
func eventCount(line string) int {
	if line == "" {
		return 0
	}
	_, rest, ok := strings.Cut(line, "(x")
	if !ok {
		return 1
	}
	var n int
	fmt.Sscan(rest, &n)
	return n
}

// lineWith is the first line of s that contains sub ("" if none).
func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

// `get pods -w` prints the list, then a pod that appears and its phase changing.
func TestGetWatch(t *testing.T) {
	d := StartPodd(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, podctlBin, "get", "pods", "-w")
	cmd.Env = append(os.Environ(), "PODD_SOCKET="+d.Socket)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	time.Sleep(500 * time.Millisecond) // the watch is up (an ADDED would show the pod anyway)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: once}
spec:
  restartPolicy: Never
  containers:
  - {name: c, image: ` + testImage + `, command: [/bin/sh, -c, 'sleep 1']}
`)
	var seen []string
	for _, want := range []string{"NAME", "once ", "Running", "Completed"} {
		if !waitLine(lines, want, &seen) {
			t.Fatalf("no line with %q; saw:\n%s", want, strings.Join(seen, "\n"))
		}
	}
	d.MustCtl("delete", "pod", "once", "--now")
}

// waitLine reads lines until one contains want (false at the end or after 30 s).
func waitLine(lines <-chan string, want string, seen *[]string) bool {
	timeout := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return false
			}
			*seen = append(*seen, l)
			if strings.Contains(l, want) {
				return true
			}
		case <-timeout:
			return false
		}
	}
}
