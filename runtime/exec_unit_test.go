package runtime

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/podd/podd/nsinit"
	"github.com/podd/podd/podopts"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// execIn runs command in container ctr of pod web through rt.Exec, stdin "in".
func execIn(rt *Runtime, ctr string, command ...string) (int, string, error) {
	var out strings.Builder
	opts := podopts.ExecOptions{Container: ctr, Command: command, Stdin: true}
	code, err := rt.Exec(context.Background(), "default", "web", opts, strings.NewReader("in"), &out, io.Discard)
	return code, out.String(), err
}

// Exec picks the container and its working directory, and passes the container's pidfd,
// cgroup and the streams to nsinit; the command's exit code is the answer.
func TestExecRunsInTheContainer(t *testing.T) {
	rt, h := newTestRuntime(t)
	in := testPod(t, "web", "a", "b")
	in.Spec.Containers[1].WorkingDir = "/srv"
	out, _ := running(t, rt, h, in)
	code, got, err := execIn(rt, "b", "ls", "-l")
	if err != nil || code != 2 || got != "ls -l in /srv\nin" {
		t.Fatalf("exec: %d %q %v", code, got, err)
	}
	cg := "cgroup/pods/" + string(out.UID) + "/b"
	if calls := h.called("proc."); !h.before("proc.pidfd "+cg, "proc.exec "+cg) {
		t.Errorf("calls %v", calls)
	}
	for _, bad := range [][]string{{"nope", "true"}, {"", "true"}, {"a"}} {
		_, _, err := execIn(rt, bad[0], bad[1:]...)
		if !apierrors.IsBadRequest(err) {
			t.Errorf("exec in %q of %q: %v, want a bad request", bad[0], bad[1:], err)
		}
	}
	deletePod(t, rt, "web", 0)
}

// A container that is not running: exited and not restarted, gone before the pidfd was
// opened (its pid reused), or gone before nsinit joined it: 400 "container a is not running".
func TestExecInAContainerNotRunning(t *testing.T) {
	// stop makes the container not running for the exec; what it returns undoes that for the
	// delete.
	for name, stop := range map[string]func(rt *Runtime, h *fakeHost, proc *fakeProc) (undo func()){
		"exited": func(rt *Runtime, h *fakeHost, proc *fakeProc) func() {
			proc.end(exitCode(0))
			waitFor(t, func() bool { return ctrStatus(t, rt, "web", "a").State.Terminated != nil })
			return func() {}
		},
		"pid reused": func(rt *Runtime, h *fakeHost, proc *fakeProc) func() {
			// Another process, outside the container's cgroup, has the pid now.
			h.mu.Lock()
			h.procs[proc.pid] = &fakeProc{pid: proc.pid, cg: "cgroup/elsewhere"}
			h.mu.Unlock()
			return func() { h.mu.Lock(); h.procs[proc.pid] = proc; h.mu.Unlock() }
		},
		"gone at setns": func(rt *Runtime, h *fakeHost, proc *fakeProc) func() {
			h.mu.Lock()
			h.fail["proc.exec"] = fmt.Errorf("exec: %w", nsinit.ErrNotRunning)
			h.mu.Unlock()
			return func() {}
		},
	} {
		t.Run(name, func(t *testing.T) {
			rt, h := newTestRuntime(t)
			in := testPod(t, "web", "a")
			in.Spec.RestartPolicy = corev1.RestartPolicyNever
			_, procs := running(t, rt, h, in)
			undo := stop(rt, h, procs["a"])
			_, _, err := execIn(rt, "a", "true")
			if !apierrors.IsBadRequest(err) || err.Error() != "container a is not running" {
				t.Errorf("exec: %v, want 400 container a is not running", err)
			}
			undo()
			deletePod(t, rt, "web", 0)
		})
	}
}

// A command the image does not have is a 400 saying so; another failure to start the command
// comes back as it is.
func TestExecOfAMissingCommand(t *testing.T) {
	rt, h := newTestRuntime(t)
	running(t, rt, h, testPod(t, "web", "a"))
	_, _, err := execIn(rt, "a", "/missing", "x")
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), `"/missing": executable file not found in $PATH`) {
		t.Errorf("exec of a missing command: %v", err)
	}
	injected := h.failOn("proc.pidfd")
	if _, _, err := execIn(rt, "a", "true"); err == nil || !strings.Contains(err.Error(), injected.Error()) {
		t.Errorf("exec with pidfd_open failing: %v", err)
	}
	deletePod(t, rt, "web", 0)
}
