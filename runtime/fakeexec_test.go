package runtime

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/podd/podd/nsinit"
	"golang.org/x/sys/unix"
)

// The fake exec side of nsinit.Starter and processes: a command runs in the container whose
// cgroup the spec names if a fake process lives there; "/missing" is a command no image has.

// openPidfd gives a descriptor (of /dev/null) for a live fake process in cg, -1 otherwise.
func (f fakeProcs) openPidfd(pid int, cg string) (int, error) {
	if err := f.h.call("proc.pidfd", cg); err != nil {
		return -1, err
	}
	p := f.proc(pid)
	if p == nil || p.done.Load() || p.cg != cg {
		return -1, nil
	}
	return unix.Open(os.DevNull, unix.O_RDONLY|unix.O_CLOEXEC, 0)
}

// Exec answers as nsinit's: ErrNotRunning once the container's process is gone, a SetupError
// of step exec for a command the container does not have. The command writes its argv, dir
// and stdin to stdout and exits with its argument count.
func (f fakeProcs) Exec(s nsinit.ExecSpec) (nsinit.ExecHandle, error) {
	cg, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", s.CgroupFD))
	if err != nil {
		return nil, err
	}
	if err := f.h.call("proc.exec", cg); err != nil {
		return nil, err
	}
	if !f.h.runsIn(cg) {
		return nil, fmt.Errorf("exec: %w", nsinit.ErrNotRunning)
	}
	if s.Args[0] == "/missing" {
		return nil, &nsinit.SetupError{Step: nsinit.StepExec, Path: s.Args[0], Errno: unix.ENOENT, Msg: "executable file not found in $PATH"}
	}
	return fakeExec{s}, nil
}

func (h *fakeHost) runsIn(cg string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range h.procs {
		if p.cg == cg && !p.done.Load() {
			return true
		}
	}
	return false
}

type fakeExec struct{ s nsinit.ExecSpec }

func (x fakeExec) Wait(context.Context) int {
	fmt.Fprintf(x.s.Stdout, "%s in %s\n", strings.Join(x.s.Args, " "), x.s.Dir)
	if x.s.Stdin != nil {
		_, _ = io.Copy(x.s.Stdout, x.s.Stdin)
	}
	return len(x.s.Args)
}

func (fakeExec) Resize(cols, rows uint16) error { return nil }
