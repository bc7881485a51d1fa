package host

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/podd/podd/internal/fdkeep"
)

// stdinPod reads one line from its stdin (a pty with tty), answers it and exits 1: restartPolicy
// Always restarts it with a fresh stdin, so attaches meet runs that start and end.
func stdinPod(name, tty, once string) string {
	return `apiVersion: v1
kind: Pod
metadata: {name: ` + name + `}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - {name: c, image: ` + testImage + `, stdin: true, stdinOnce: ` + once + `, tty: ` + tty + `,
     command: [/bin/sh, -c, 'read l; echo "got $l"; exit 1']}
`
}

// hookedPod: a's postStart hook holds b's start back (ordered start); the churn deletes the pod
// during the hook. Its downwardAPI volume shows the labels the label worker changes.
func hookedPod(name string) string {
	return `apiVersion: v1
kind: Pod
metadata: {name: ` + name + `, labels: {n: "0"}}
spec:
  terminationGracePeriodSeconds: 0
  volumes: [{name: info, downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}}]
  containers:
  - name: a
    image: ` + testImage + `
    command: [/bin/sh, -c, 'cat /info/labels; sleep 0.5; exit 1']
    volumeMounts: [{name: info, mountPath: /info}]
    lifecycle: {postStart: {exec: {command: [/bin/sh, -c, 'sleep 0.4']}}}
  - name: b
    image: ` + testImage + `
    command: [/bin/sh, -c, 'exec testapp serve 8080']
    volumeMounts: [{name: info, mountPath: /info}]
`
}

// chattyPod writes numbered lines past --container-log-max-size and exits, again and again.
const chattyPod = `apiVersion: v1
kind: Pod
metadata: {name: chatty}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: app
    image: ` + testImage + `
    command: [/bin/sh, -c, 'i=0; while [ $i -lt 3000 ]; do echo "line $i of the run"; i=$((i+1)); done; exit 1']
`

// TestStressFeatures drives, at the same time, what TestStress does not: attach -i (pipe and
// tty, stdinOnce or not; through the fd keeper) to containers that restart after each line and
// to pods being deleted, postStart hooks whose pod is deleted during the hook, label/annotate
// rewriting the downwardAPI volume of those pods meanwhile, port-forward connections while the
// pod (one container restarted by its liveness probe) goes, and logs -f and --previous across
// rotations (16 KiB files). Every operation succeeds or fails naming the pod or container; podd
// exits 0 (66 on a data race under -race), and nothing is left: processes, cgroups, mounts,
// veths, pod and log directories, and what the fd keeper holds.
func TestStressFeatures(t *testing.T) {
	s := &stressRun{}
	t.Cleanup(func() {
		for _, e := range s.errors() {
			t.Log("stress failure: " + e)
		}
	})
	d := StartPodd(t, "--container-log-max-size", "16Ki", "--container-log-max-files", "2")
	s.d = d
	duration := 12 * time.Second
	if testing.Short() {
		duration = 5 * time.Second
	}
	d.Apply(stdinPod("pipe", "false", "false"))
	d.Apply(stdinPod("tty", "true", "false"))
	d.Apply(chattyPod)
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var wg sync.WaitGroup
	for _, pod := range []string{"pipe", "pipe", "tty"} {
		wg.Go(func() { s.loop(ctx, func() { s.attach(pod) }) })
	}
	for w := range 2 {
		n, m := 0, 0
		wg.Go(func() { s.loop(ctx, func() { s.attachOnceChurn(w, n); n++ }) })
		wg.Go(func() { s.loop(ctx, func() { s.hookChurn(w, m); m++ }) })
	}
	f := 0
	wg.Go(func() { s.loop(ctx, func() { s.forwardChurn(ctx, f); f++ }) })
	wg.Go(func() { s.loop(ctx, func() { s.followLogs2(ctx, "chatty") }) })
	wg.Go(func() { s.loop(ctx, s.previousLogs) })
	wg.Wait()
	t.Logf("%d operations in %v; outcomes %v", s.count(), duration, s.outcomes())
	for _, pod := range []string{"pipe", "tty", "chatty"} {
		if r := d.Ctl("delete", "pod", pod); r.Code != 0 {
			s.fail("final delete pod %s: %s", pod, r)
		}
	}
	if !d.Running() {
		t.Fatalf("podd died during the stress run:\n%s", d.poddLog())
	}
	d.AssertNoPods()
	if err := d.Stop(40 * time.Second); err != nil {
		s.fail("podd did not exit 0 after the stress run (66 is the race detector): %v", err)
	}
	s.checkKeeperEmpty()
	for _, e := range s.errors() {
		t.Error(e)
	}
}

// namesPod: a failed operation's message names the pod, says it is not found, or (kubectl's
// words) that its container c is not running.
func namesPod(r Result, pod string) bool {
	return r.Code != 0 && (strings.Contains(r.Stderr, pod) || strings.Contains(r.Stderr, "NotFound") ||
		strings.Contains(r.Stderr, "container c is not running"))
}

// attach sends a line to a container that answers it and exits: the answer comes back, or the
// attach meets the run ending (nothing, or the line eaten by the next run) or is refused naming
// the pod (not running between runs).
func (s *stressRun) attach(pod string) {
	r := s.d.CtlStdin("hi\n", "attach", "-i", pod)
	if r.Code == 0 && (r.Stdout == "" || strings.Contains(r.Stdout, "got hi")) {
		s.saw("attach answered", strings.Contains(r.Stdout, "got hi"))
		return
	}
	if namesPod(r, pod) && !strings.Contains(r.Stderr, "podd restart") {
		s.saw("attach refused", true)
		return
	}
	s.fail("attach -i %s: %s", pod, r)
}

// attachOnceChurn applies a stdinOnce pod (tty every other time), attaches, and deletes it
// while a second attach may still run.
func (s *stressRun) attachOnceChurn(w, n int) {
	name, tty := fmt.Sprintf("once-%d-%d", w, n), []string{"false", "true"}[n%2]
	if r := s.d.CtlStdin(stdinPod(name, tty, "true"), "apply", "-f", "-"); r.Code != 0 {
		s.fail("apply %s: %s", name, r)
		return
	}
	done := make(chan struct{})
	go func() { defer close(done); s.attach(name) }()
	s.attach(name)
	if r := s.d.Ctl("delete", "pod", name); r.Code != 0 {
		s.fail("delete pod %s: %s", name, r)
	}
	<-done
}

// hookChurn applies a pod whose first container's postStart hook holds the second back, labels
// and annotates it (rewriting its downwardAPI volume while a crashes and restarts) and deletes
// it at some point during the hook or after.
func (s *stressRun) hookChurn(w, n int) {
	name := fmt.Sprintf("hooked-%d-%d", w, n)
	if r := s.d.CtlStdin(hookedPod(name), "apply", "-f", "-"); r.Code != 0 {
		s.fail("apply %s: %s", name, r)
		return
	}
	var wg sync.WaitGroup
	wg.Go(func() { s.relabel(name, n) })
	time.Sleep(time.Duration(n%4) * 300 * time.Millisecond)
	if r := s.d.Ctl("delete", "pod", name); r.Code != 0 {
		s.fail("delete pod %s: %s", name, r)
	}
	wg.Wait()
}

// forwardChurn applies a web server pod, forwards a port to it and deletes it once a connection
// was answered, while more are being opened.
func (s *stressRun) forwardChurn(ctx context.Context, n int) {
	name := fmt.Sprintf("fwd-%d", n)
	manifest := strings.Replace(probedPod, "{name: probed}", "{name: "+name+"}", 1)
	if r := s.d.CtlStdin(manifest, "apply", "-f", "-"); r.Code != 0 {
		s.fail("apply %s: %s", name, r)
		return
	}
	answered := make(chan struct{})
	fctx, stop := context.WithTimeout(ctx, 15*time.Second)
	defer stop()
	var wg sync.WaitGroup
	wg.Go(func() { s.forward(fctx, name, answered) })
	select {
	case <-answered:
	case <-fctx.Done():
	}
	if r := s.d.Ctl("delete", "pod", name); r.Code != 0 {
		s.fail("delete pod %s: %s", name, r)
	}
	wg.Wait()
}

// relabel changes the pod's labels and annotations a few times.
func (s *stressRun) relabel(pod string, n int) {
	for i := range 3 {
		for _, args := range [][]string{
			{"label", "--overwrite", "pod", pod, fmt.Sprintf("n=%d-%d", n, i)},
			{"annotate", "--overwrite", "pod", pod, fmt.Sprintf("note=%d", i)},
		} {
			if r := s.d.Ctl(args...); r.Code != 0 && !namesPod(r, pod) {
				s.fail("%s: %s", args[0], r)
			}
		}
	}
}

// forward runs port-forward to the pod's 8080 (again while the pod is not running yet) and opens
// connections until port-forward ends, as the pod goes: each failure names the pod or is
// kubectl's "pod is not running". answered is closed at the first answer.
func (s *stressRun) forward(ctx context.Context, pod string, answered chan struct{}) {
	defer func() {
		select {
		case <-answered:
		default:
			close(answered)
		}
	}()
	for ctx.Err() == nil {
		pf := s.d.CtlStream("port-forward", "pod/"+pod, ":8080")
		local := s.forwarding(ctx, pf, pod)
		for ctx.Err() == nil && local != "" && s.connect(local, answered) {
			time.Sleep(50 * time.Millisecond)
		}
		_ = pf.cmd.Process.Kill()
		<-pf.done
		if strings.Contains(pf.Output(), "NotFound") || strings.Contains(pf.Output(), "not found") {
			return // the pod is gone
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// forwarding waits for port-forward's local port; "" when it ended (it must say why, naming the
// pod or that it is not running).
func (s *stressRun) forwarding(ctx context.Context, pf *stream, pod string) string {
	for ctx.Err() == nil {
		if m := forwardingFrom.FindStringSubmatch(pf.Output()); m != nil {
			return m[1]
		}
		select {
		case <-pf.done:
			if out := pf.Output(); !strings.Contains(out, pod) && !strings.Contains(out, "NotFound") &&
				!strings.Contains(out, "unable to forward port because pod is not running") {
				s.fail("port-forward %s: %v: %q", pod, pf.err, out)
			}
			return ""
		case <-time.After(50 * time.Millisecond):
		}
	}
	return ""
}

// connect makes one HTTP request through the forwarded port; false when it could not connect.
func (s *stressRun) connect(local string, answered chan struct{}) bool {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+local, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(c, "GET /hostname HTTP/1.0\r\n\r\n")
	b, _ := io.ReadAll(c)
	if strings.HasPrefix(string(b), "HTTP/1.") && strings.Contains(string(b), " 200 ") {
		s.saw("port-forward answered", true)
		select {
		case <-answered:
		default:
			close(answered)
		}
	}
	return true
}

// followLogs2 follows a pod whose log rotates: every line printed is a whole "line N of the run".
func (s *stressRun) followLogs2(ctx context.Context, pod string) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, podctlBin, "logs", "-f", "--tail", "5", pod)
	cmd.Env = append(cmd.Environ(), "PODD_SOCKET="+s.d.Socket)
	b, err := cmd.Output()
	out := string(b)
	if err != nil && ctx.Err() == nil {
		s.fail("logs -f %s: %v: %s", pod, err, out)
		return
	}
	s.saw("logs -f printed", out != "")
	s.checkLines("logs -f "+pod, out, ctx.Err() != nil)
}

// previousLogs reads the last run's log (rotated): whole lines ending with the run's last, or
// kubectl's words when there is no previous run yet.
func (s *stressRun) previousLogs() {
	r := s.d.Ctl("logs", "--previous", "chatty")
	if r.Code != 0 {
		if !strings.Contains(r.Stderr, `previous terminated container "app" in pod "chatty" not found`) {
			s.fail("logs --previous chatty: %s", r)
		}
		return
	}
	s.saw("logs --previous", true)
	if !strings.HasSuffix(r.Stdout, "line 2999 of the run\n") {
		s.fail("logs --previous chatty: ends %q, want the run's last line", r.Stdout[max(0, len(r.Stdout)-60):])
	}
	s.checkLines("logs --previous chatty", r.Stdout, false)
}

// checkLines: each line is whole (the last one may be cut when the output was cut).
func (s *stressRun) checkLines(what, out string, cut bool) {
	lines := strings.Split(out, "\n")
	if cut || lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for _, l := range lines {
		var i int
		if _, err := fmt.Sscanf(l, "line %d of the run", &i); err != nil || l != fmt.Sprintf("line %d of the run", i) {
			s.fail("%s: line %q is not a whole line", what, l)
			return
		}
	}
}

// checkKeeperEmpty: with every pod gone, the fd keeper holds nothing (it has exited); what it
// still holds is dropped, so that it exits.
func (s *stressRun) checkKeeperEmpty() {
	k := &fdkeep.Client{Path: filepath.Join(s.d.RunDir, "fdkeep.sock")}
	defer k.Close()
	keys, err := k.Keys()
	if err != nil || len(keys) > 0 {
		s.fail("fd keeper after every pod was deleted: holds %q (%v), want nothing", keys, err)
	}
	for _, key := range keys {
		_ = k.Drop(key)
	}
}

// saw counts an outcome (when ok) for the run's summary: what the stress did reach.
func (s *stressRun) saw(what string, ok bool) {
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seenOK == nil {
		s.seenOK = map[string]int{}
	}
	s.seenOK[what]++
}

func (s *stressRun) outcomes() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.seenOK)
}
