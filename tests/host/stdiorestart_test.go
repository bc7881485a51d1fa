package host

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestStdioSurvivesPoddRestart: a stdin: true container's stdin and a tty: true container's
// pty outlive podd. cat echoes a line sent by `attach -i`; podd is stopped (SIGTERM, then
// SIGKILL) and started again; a second attach's line is echoed by the same process, never
// restarted (before the per-host keeper, the container read EOF or got a hangup and exited).
func TestStdioSurvivesPoddRestart(t *testing.T) {
	d := StartPodd(t)
	for _, p := range []struct{ name, tty string }{{"pipe", "false"}, {"term", "true"}} {
		d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: ` + p.name + `}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 0
  containers:
  - {name: c, image: ` + testImage + `, stdin: true, tty: ` + p.tty + `, command: [cat]}
`)
		d.WaitPod(p.name, 30*time.Second, "running", podRunning)
	}
	pids := map[string]int{"pipe": containerPIDs(t, d.MustGetPod("pipe"))["c"], "term": containerPIDs(t, d.MustGetPod("term"))["c"]}
	for _, restart := range []struct {
		how  string
		stop func()
	}{
		{"sigterm", func() {
			if err := d.Stop(30 * time.Second); err != nil {
				t.Fatalf("SIGTERM: %v", err)
			}
		}},
		{"sigkill", d.Kill},
	} {
		for _, name := range []string{"pipe", "term"} {
			attachLine(t, d, name, "before-"+restart.how)
		}
		logKeeper(t, d)
		restart.stop()
		d.Start()
		for _, name := range []string{"pipe", "term"} {
			attachLine(t, d, name, "after-"+restart.how)
			p := d.MustGetPod(name)
			s, _ := containerStatus(p, "c")
			if s == nil || s.State.Running == nil || s.RestartCount != 0 || containerPIDs(t, p)["c"] != pids[name] || !alive(pids[name]) {
				t.Fatalf("%s after podd's %s: not the same running process %d: %+v", name, restart.how, pids[name], s)
			}
		}
	}
	// The keeper goes with the last thing it held: podd's cgroup holds podd alone again.
	d.MustCtl("delete", "pod", "pipe", "term")
	eventually(t, 20*time.Second, "the fd keeper exited", func() error {
		b, _ := os.ReadFile(filepath.Join(d.Cgroup, "supervisor", "cgroup.procs"))
		if procs := strings.Fields(string(b)); len(procs) != 1 || procs[0] != strconv.Itoa(d.PID()) {
			return fmt.Errorf("supervisor cgroup holds %v, want only podd (%d)", procs, d.PID())
		}
		return nil
	})
}

// attachLine sends line to the container's stdin through `attach -i` and waits until cat's
// echo comes back on attach's output, then ends the attach (the container's stdin stays open:
// no stdinOnce).
func attachLine(t *testing.T, d *Podd, pod, line string) {
	t.Helper()
	s := &stream{done: make(chan struct{})}
	s.cmd = exec.Command(podctlBin, "attach", "-i", pod)
	s.cmd.Env = append(os.Environ(), "PODD_SOCKET="+d.Socket)
	s.cmd.Stdin = strings.NewReader(line + "\n")
	s.cmd.Stdout, s.cmd.Stderr = s, s
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.done) }()
	defer func() {
		_ = s.cmd.Process.Kill()
		<-s.done
	}()
	eventually(t, 20*time.Second, fmt.Sprintf("%s echoes %q", pod, line), func() error {
		select {
		case <-s.done:
			return fmt.Errorf("attach exited: %v: %q", s.err, s.Output())
		default:
		}
		if !strings.Contains(s.Output(), line) {
			return fmt.Errorf("attach output so far: %q", s.Output())
		}
		return nil
	})
}

// logKeeper reports the fd keeper (the process beside podd in its cgroup) and its RSS.
func logKeeper(t *testing.T, d *Podd) {
	b, _ := os.ReadFile(filepath.Join(d.Cgroup, "supervisor", "cgroup.procs"))
	for _, f := range strings.Fields(string(b)) {
		if pid, _ := strconv.Atoi(f); pid != d.PID() {
			comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
			t.Logf("fd keeper: pid %d (%s), VmRSS %d kB", pid, strings.TrimSpace(string(comm)), procStatusKiB(t, pid, "VmRSS"))
		}
	}
}

// TestStdinOnceClosedAcrossRestart: a stdinOnce container whose stdin an attach closed is
// attached again with -i after a podd restart as it is without one: the attach is taken, its
// output streamed, its input read by nobody (it was refused as "does not have stdin: true").
func TestStdinOnceClosedAcrossRestart(t *testing.T) {
	d := StartPodd(t)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: once}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 0
  containers:
  - {name: c, image: ` + testImage + `, stdin: true, stdinOnce: true, command: [/bin/sh, -c, 'cat; echo stdin-closed; exec sleep 600']}
`)
	d.WaitPod("once", 30*time.Second, "running", podRunning)
	// attach streams until the run ends: this one is stopped once its end of stdin was seen.
	first := exec.Command(podctlBin, "attach", "-i", "once")
	first.Env = append(os.Environ(), "PODD_SOCKET="+d.Socket)
	first.Stdin = strings.NewReader("one\n")
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "cat saw the end of its stdin", func() error {
		if out := d.MustCtl("logs", "once"); !strings.Contains(out, "stdin-closed") {
			return fmt.Errorf("logs: %q", out)
		}
		return nil
	})
	first.Process.Kill()
	first.Wait()
	if err := d.Stop(30 * time.Second); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	d.Start()
	second := exec.Command(podctlBin, "attach", "-i", "once")
	second.Env = append(os.Environ(), "PODD_SOCKET="+d.Socket)
	second.Stdin = strings.NewReader("two\n")
	done := make(chan error, 1)
	var out strings.Builder
	second.Stdout, second.Stderr = &out, &out
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- second.Wait() }()
	select {
	case err := <-done: // an attach that ends at once must be a refusal: it streams until the run ends
		t.Fatalf("second attach -i after the restart ended: %v\n%s", err, out.String())
	case <-time.After(3 * time.Second): // taken: streaming the running container's output
		second.Process.Kill()
		<-done
	}
	if s := out.String(); strings.Contains(s, "does not have stdin") || strings.Contains(s, "error") {
		t.Fatalf("second attach -i: %q", s)
	}
	d.MustCtl("delete", "pod", "once")
}
