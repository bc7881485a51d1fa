package host

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// A container that counts its runs in an emptyDir, says "run R start", waits for /data/go,
// prints 3 bursts of 100 long lines, "run R line I ...", a second apart, then exits 1
// (restartPolicy Always: restarted at once the first time, 10 s later the second).
const runsPod = `apiVersion: v1
kind: Pod
metadata: {name: runs}
spec:
  volumes: [{name: data, emptyDir: {}}]
  containers:
  - name: app
    image: ` + testImage + `
    volumeMounts: [{name: data, mountPath: /data}]
    command: [/bin/sh, -c, 'r=$(cat /data/n 2>/dev/null || echo 0); echo $((r+1)) > /data/n; echo "run $r start";
      while [ ! -e /data/go ]; do sleep 0.2; done;
      i=0; for b in 1 2 3; do j=0; while [ $j -lt 100 ]; do
      echo "run $r line $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
      i=$((i+1)); j=$((j+1)); done; sleep 1; done; echo "run $r done" >&2; sleep 1; exit 1']
`

// runLines is what run r prints.
func runLines(r int) []string {
	out := []string{fmt.Sprintf("run %d start", r)}
	for i := 0; i < 300; i++ {
		out = append(out, fmt.Sprintf("run %d line %d %s", r, i, strings.Repeat("x", 92)))
	}
	return append(out, fmt.Sprintf("run %d done", r))
}

// TestLogsFollowAcrossRotationAndRestart: logs -f started during the first run prints every
// line of it and of the next run, once each and in order, while the log file rotates every
// 16 KiB (--container-log-max-size) and the container restarts; at most
// --container-log-max-files files are kept; logs --previous is the last run's last file.
func TestLogsFollowAcrossRotationAndRestart(t *testing.T) {
	d := StartPodd(t, "--container-log-max-size", "16Ki", "--container-log-max-files", "3")
	d.Apply(runsPod)
	pod := d.MustGetPod("runs")
	dir := filepath.Join(d.LogDir, "default_runs_"+string(pod.UID), "app")
	eventually(t, 30*time.Second, "the first run's log", func() error {
		_, err := os.Stat(filepath.Join(dir, "0.log"))
		return err
	})
	f := d.CtlStream("logs", "-f", "runs")
	f.WaitFor(t, "run 0 start", 30*time.Second) // following run 0 while it runs
	d.MustCtl("exec", "runs", "--", "touch", "/data/go")
	go func() { <-f.done; t.Logf("logs -f ended: %v", f.err) }()
	f.WaitFor(t, "run 1 done", 40*time.Second)
	want := append(runLines(0), runLines(1)...)
	got := strings.Split(strings.TrimSuffix(f.Output(), "\n"), "\n")
	if len(got) > len(want) {
		got = got[:len(want)] // run 2 may have started
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		i := firstDiff(got, want)
		t.Errorf("logs -f: %d lines, want %d; first difference at %d: %q", len(got), len(want), i, got[min(i, len(got)-1)])
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(names) > 3 {
		t.Errorf("log files %v; want at most 3", names)
	}
	if rotated, _ := filepath.Glob(filepath.Join(dir, "1.log.*")); len(rotated) == 0 {
		t.Errorf("no rotated file of run 1 among %v", names)
	}
	p := d.WaitPod("runs", 30*time.Second, "restart count 2", func(p *corev1.Pod) error {
		if s, err := containerStatus(p, "app"); err != nil || s.RestartCount < 2 {
			return fmt.Errorf("status %v, %v", s, err)
		}
		return nil
	})
	s, _ := containerStatus(p, "app")
	prev := d.MustCtl("logs", "--previous", "runs")
	if !strings.HasSuffix(prev, fmt.Sprintf("run %d done\n", s.RestartCount-1)) || !strings.HasPrefix(prev, fmt.Sprintf("run %d ", s.RestartCount-1)) {
		t.Errorf("logs --previous at restart %d: %.80q ... %q", s.RestartCount, prev, prev[max(0, len(prev)-40):])
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestLogsPreviousNotFound: kubectl's words when there is no previous run.
func TestLogsPreviousNotFound(t *testing.T) {
	d := StartPodd(t)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: once}
spec:
  containers:
  - {name: app, image: ` + testImage + `, command: [sleep, "100000"]}
`)
	r := d.Ctl("logs", "-p", "once")
	if r.Code == 0 || !strings.Contains(r.Stderr, `previous terminated container "app" in pod "once" not found`) {
		t.Errorf("logs -p of a first run: %v", r)
	}
}

// TestLogsSelectorsAndPrefix: --timestamps lines start with an RFC 3339 time; -l and
// --all-containers --prefix print the logs of every pod and container, stderr included.
func TestLogsSelectorsAndPrefix(t *testing.T) {
	d := StartPodd(t)
	for _, name := range []string{"m1", "m2"} {
		d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: ` + name + `, labels: {app: multi}}
spec:
  containers:
  - {name: a, image: ` + testImage + `, command: [/bin/sh, -c, "echo hello from a; exec sleep 100000"]}
  - {name: b, image: ` + testImage + `, command: [/bin/sh, -c, "echo hello from b >&2; exec sleep 100000"]}
`)
	}
	eventually(t, 30*time.Second, "both pods printed", func() error {
		for _, args := range [][]string{{"m1", "b"}, {"m2", "b"}} {
			if r := d.Ctl("logs", args[0], args[1]); r.Stdout != "hello from b\n" {
				return fmt.Errorf("logs %v: %v", args, r)
			}
		}
		return nil
	})
	ts := d.MustCtl("logs", "--timestamps", "m1", "a")
	stamp, rest, _ := strings.Cut(ts, " ")
	if _, err := time.Parse(time.RFC3339Nano, stamp); err != nil || rest != "hello from a\n" {
		t.Errorf("logs --timestamps: %q (%v)", ts, err)
	}
	if got := d.MustCtl("logs", "--since", "1h", "m1", "a"); got != "hello from a\n" {
		t.Errorf("logs --since 1h: %q", got)
	}
	if got := d.MustCtl("logs", "--since-time", time.Now().Add(time.Hour).Format(time.RFC3339), "m1", "a"); got != "" {
		t.Errorf("logs --since-time in an hour: %q", got)
	}
	if got := d.MustCtl("logs", "--limit-bytes", "5", "m1", "a"); got != "hello" {
		t.Errorf("logs --limit-bytes 5: %q", got)
	}
	all := d.MustCtl("logs", "-l", "app=multi", "--all-containers", "--prefix")
	for _, want := range []string{"[pod/m1/a] hello from a\n", "[pod/m1/b] hello from b\n", "[pod/m2/a] hello from a\n", "[pod/m2/b] hello from b\n"} {
		if !strings.Contains(all, want) {
			t.Errorf("logs -l app=multi --all-containers --prefix: %q lacks %q", all, want)
		}
	}
	if got := d.MustCtl("logs", "-l", "app=multi"); got != "hello from a\nhello from a\n" {
		t.Errorf("logs -l app=multi: %q; want each pod's default container", got)
	}
}

// TestLogsWhilePoddIsDown: a container printing a counter keeps running while podd is killed
// (SIGKILL) and away for 2 s; its output waits in the log pipe and, once podd is back, every
// number is in the log once, in order, and the container never restarted.
func TestLogsWhilePoddIsDown(t *testing.T) {
	const n = 1500
	d := StartPodd(t)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: count}
spec:
  containers:
  - name: app
    image: ` + testImage + `
    command: [/bin/sh, -c, 'i=0; while [ $i -lt ` + fmt.Sprint(n) + ` ]; do echo $i; i=$((i+1)); sleep 0.004; done; exec sleep 100000']
`)
	d.WaitPod("count", 30*time.Second, "running", func(p *corev1.Pod) error {
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		return nil
	})
	time.Sleep(time.Second)
	d.Kill()
	time.Sleep(2 * time.Second)
	d.Start()
	// The count takes 6 s on a quiet machine and minutes at load 30 (a sleep process per
	// line): wait while the log grows, and fail when it stops short for 30 s.
	last, moved := "", time.Now()
	for out := ""; out != fmt.Sprintf("%d\n", n-1); time.Sleep(200 * time.Millisecond) {
		if out = d.Ctl("logs", "--tail", "1", "count").Stdout; out != last {
			last, moved = out, time.Now()
		}
		if time.Since(moved) > 30*time.Second {
			t.Fatalf("the log stopped growing at %q for 30 s, short of the whole count (%d)", last, n-1)
		}
	}
	lines := strings.Split(strings.TrimSuffix(d.MustCtl("logs", "count"), "\n"), "\n")
	for i, l := range lines {
		if l != fmt.Sprint(i) {
			t.Fatalf("line %d is %q (of %d lines): lost or duplicated output across podd's restart", i, l, len(lines))
		}
	}
	if len(lines) != n {
		t.Errorf("%d lines, want %d", len(lines), n)
	}
	p := d.MustGetPod("count")
	if s, err := containerStatus(p, "app"); err != nil || s.RestartCount != 0 {
		t.Errorf("container status %v, %v; want no restart", s, err)
	}
}

// TestLogsKill9WhileWritingFast: podd is killed (SIGKILL) while ten containers write as fast as
// they can; after the restart no container restarted, and each log holds every line once, in
// order (the "count them").
func TestLogsKill9WhileWritingFast(t *testing.T) {
	const n, containers = 100000, 10
	d := StartPodd(t)
	var spec strings.Builder
	for c := range containers {
		fmt.Fprintf(&spec, `  - name: w%d
    image: %s
    command: [/bin/sh, -c, 'i=0; while [ $i -lt %d ]; do echo $i; i=$((i+1)); done; exec sleep 100000']
`, c, testImage, n)
	}
	d.Apply("apiVersion: v1\nkind: Pod\nmetadata: {name: fast}\nspec:\n  containers:\n" + spec.String())
	d.WaitPod("fast", 60*time.Second, "running", func(p *corev1.Pod) error {
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		return nil
	})
	time.Sleep(500 * time.Millisecond)
	d.Kill()
	time.Sleep(time.Second)
	d.Start()
	for c := range containers {
		name := fmt.Sprintf("w%d", c)
		eventually(t, 120*time.Second, name+"'s whole count in its log", func() error {
			if out := d.Ctl("logs", "--tail", "1", "fast", "-c", name).Stdout; out != fmt.Sprintf("%d\n", n-1) {
				return fmt.Errorf("last line %q", out)
			}
			return nil
		})
		lines := strings.Split(strings.TrimSuffix(d.MustCtl("logs", "fast", "-c", name), "\n"), "\n")
		for i, l := range lines {
			if l != fmt.Sprint(i) {
				t.Fatalf("%s: line %d is %q (of %d lines): lost or duplicated output across podd's SIGKILL", name, i, l, len(lines))
			}
		}
		if len(lines) != n {
			t.Errorf("%s: %d lines, want %d", name, len(lines), n)
		}
	}
	p := d.MustGetPod("fast")
	for _, s := range p.Status.ContainerStatuses {
		if s.RestartCount != 0 {
			t.Errorf("container %s restarted %d times across podd's SIGKILL, want none; last state %+v", s.Name, s.RestartCount, s.LastTerminationState)
		}
	}
	if t.Failed() {
		t.Log(d.Ctl("get", "events").Stdout)
	}
}
