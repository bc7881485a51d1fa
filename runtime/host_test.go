package runtime

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/podd/podd/podopts"
	"golang.org/x/sys/unix"
)

// The real process helpers, on a child of the test (no root needed).
func TestHostProcesses(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-c", "sleep 30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	pid := cmd.Process.Pid
	// parentOf, the start time, NSpid: nsinit/proc_test.go.
	// Not in the cgroup asked for: no pidfd, no liveProc.
	if fd, err := pidfdInCgroup(pid, "/sys/fs/cgroup/podd/pods/x/c", nil); fd != -1 || err != nil {
		t.Errorf("pidfd of a process elsewhere: %d, %v", fd, err)
	}
	if lp := (hostProcs{}).find(pid, "/sys/fs/cgroup/podd/pods/x/c"); lp != nil {
		t.Errorf("found %+v", lp)
	}
	if fd, err := pidfdInCgroup(1<<22+1, "/x", nil); fd != -1 || err != nil { // above pid_max
		t.Errorf("pidfd of no process: %d, %v", fd, err)
	}
	if (hostProcs{}).catches(pid, unix.SIGTERM) {
		t.Error("sleep catches SIGTERM")
	}
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		t.Fatal(err)
	}
	h := pidfd(fd)
	if !h.alive() {
		t.Error("a running child is not alive")
	}
	h.kill()
	_ = cmd.Wait()
	if h.alive() {
		t.Error("a reaped child is alive")
	}
	h.close()
	if err := (hostProcs{}).signal(pid, 0); err == nil {
		t.Error("signalled a reaped child")
	}
}

func TestSameStart(t *testing.T) {
	rec := time.Now()
	for _, tc := range []struct {
		proc time.Time
		want bool
	}{
		{rec.Add(-300 * time.Millisecond), true}, // started, then recorded once exec'd
		{rec.Add(time.Second), true},             // /proc's boot time is rounded
		{rec.Add(5 * time.Second), false},        // a later run
		{rec.Add(-2 * time.Minute), false},       // an older process
	} {
		if got := sameStart(tc.proc, rec); got != tc.want {
			t.Errorf("process started %v from the record: %v", tc.proc.Sub(rec), got)
		}
	}
}

// New on a directory that is no cgroup fails with the reason, after taking the lock; a second
// runtime on the same root is refused.
func TestNewAndTheRootLock(t *testing.T) {
	base := t.TempDir()
	opts := Options{Root: filepath.Join(base, "root"), Run: filepath.Join(base, "run"), LogDir: filepath.Join(base, "log"),
		CgroupRoot: filepath.Join(base, "cgroup")}
	if _, err := New(opts, nil); err == nil || !strings.Contains(err.Error(), "cgroup") {
		t.Errorf("New without a cgroup: %v", err)
	}
	rt, _ := newTestRuntime(t)
	again := newRuntime(rt.opts)
	if err := again.makeDirs(); err == nil || !strings.Contains(err.Error(), "another podd") {
		t.Errorf("a second podd on the same root: %v", err)
	}
	if c := rt.Controllers(); !c["cpu"] {
		t.Errorf("controllers %v", c)
	}
	rt.opts.Bridge, rt.opts.PodCIDRs = "podd0", []string{"not-a-cidr"}
	if err := rt.setupNetwork(); err == nil || !strings.Contains(err.Error(), "--pod-cidr") {
		t.Errorf("bad --pod-cidr: %v", err)
	}
	rt.opts.Bridge = ""
	if err := rt.setupNetwork(); err != nil {
		t.Errorf("no bridge: %v", err)
	}
}

// The pods cgroup removed under podd is made again by the next apply.
func TestPodsCgroupMadeAgain(t *testing.T) {
	rt, h := newTestRuntime(t)
	must(t, os.RemoveAll(rt.podsCg))
	apply(t, rt, testPod(t, "web", "a"))
	if h.count("cg.create cgroup/pods") != 1 {
		t.Errorf("calls %v", h.calls)
	}
	deletePod(t, rt, "web", 0)
}

// What the API asks of a container that is not there or not running.
func TestContainerErrors(t *testing.T) {
	rt, h := newTestRuntime(t)
	in := testPod(t, "web", "a", "b")
	in.Spec.RestartPolicy = "Never"
	apply(t, rt, in)
	ctx := context.Background()
	if _, err := rt.Exec(ctx, "default", "nope", podopts.ExecOptions{Command: []string{"sh"}}, nil, nil, nil); err == nil {
		t.Error("exec in a pod that does not exist")
	}
	if _, err := rt.Exec(ctx, "default", "web", podopts.ExecOptions{Command: []string{"sh"}}, nil, nil, nil); err == nil || !strings.Contains(err.Error(), "container name must be specified") {
		t.Errorf("exec without a container in a 2-container pod: %v", err)
	}
	if _, err := rt.Exec(ctx, "default", "web", podopts.ExecOptions{Container: "a"}, nil, nil, nil); err == nil || !strings.Contains(err.Error(), "command is required") {
		t.Errorf("exec without a command: %v", err)
	}
	if err := rt.Logs(ctx, "default", "web", podopts.LogOptions{Container: "x"}, nil); err == nil || !strings.Contains(err.Error(), "not valid") {
		t.Errorf("logs of an unknown container: %v", err)
	}
	if err := rt.Logs(ctx, "default", "nope", podopts.LogOptions{}, nil); err == nil {
		t.Error("logs of a pod that does not exist")
	}
	if err := rt.Logs(ctx, "default", "web", podopts.LogOptions{Container: "a", Previous: true}, nil); err == nil {
		t.Error("logs --previous of a first run")
	}
	for range 2 {
		nextStart(t, h).end(exitCode(0))
	}
	waitFor(t, func() bool { return ctrStatus(t, rt, "web", "a").State.Terminated != nil })
	if _, err := rt.Exec(ctx, "default", "web", podopts.ExecOptions{Container: "a", Command: []string{"sh"}}, nil, nil, nil); err == nil || !strings.Contains(err.Error(), "not running") {
		t.Errorf("exec in a stopped container: %v", err)
	}
	if logs, _ := filepath.Glob(filepath.Join(rt.opts.LogDir, "*", "*", "0.log")); len(logs) != 2 {
		t.Errorf("run logs %v; want each container's 0.log", logs)
	}
	deletePod(t, rt, "web", 0)
}
