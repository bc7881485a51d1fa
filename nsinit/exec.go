package nsinit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/podd/podd/internal/nsthread"
	"github.com/podd/podd/internal/reaper"
	"golang.org/x/sys/unix"
)

// execNamespaces are joined at once through a pidfd of the container's process. The cgroup
// namespace is not joined: with cgroup2's nsdelegate (systemd's default, podd's as PID 1) a
// thread inside the container's cgroup namespace may not clone a child out of podd's cgroup
// into the container's (CLONE_INTO_CGROUP fails with ENOENT). The child unshares one instead
// once it is in the container's cgroup, which roots it at the same cgroup.
const execNamespaces = unix.CLONE_NEWIPC | unix.CLONE_NEWUTS | unix.CLONE_NEWNET | unix.CLONE_NEWPID | unix.CLONE_NEWNS

// ErrNotRunning is returned (wrapped) by Exec when the container's process exited before its
// namespaces could be joined.
var ErrNotRunning = errors.New("the container's process is gone")

// ExecSpec is a command to run inside a running container, and its streams.
type ExecSpec struct {
	PidFD    int // a pidfd of a live process of the container, checked by the caller
	CgroupFD int // the container's cgroup, joined at clone time
	Args     []string
	Env      []string // the command's environment; its PATH finds Args[0]
	Dir      string   // working directory; "" is /
	TTY      bool     // a pty from the container's devpts is stdin, stdout and stderr
	Stdin    io.Reader
	Stdout   io.Writer
	Stderr   io.Writer // unused with TTY
	// Security is the container's, applied to the command as to the container's own process
	// (its Sysctls are not written again).
	Security Security
}

// ExecHandle is a command started by Exec.
type ExecHandle interface {
	// Wait returns the command's exit code once it exited, its output drained (drainBound at
	// most) and every descriptor of it closed; ctx ending first kills the command.
	Wait(ctx context.Context) int
	// Resize sets the pty's window size (TTY only).
	Resize(cols, rows uint16) error
}

// Exec runs a command in a running container: a throwaway OS thread unshares its filesystem
// context, joins the container's namespaces with one setns on the pidfd and forks the nsinit
// binary from there, into the container's cgroup; it confines itself as the container's
// process is (ExecSpec.Security) and execs the command. A command the
// container does not have is a *SetupError of StepExec (LookPath's).
func (l *Launcher) Exec(s ExecSpec) (ExecHandle, error) {
	x := &execution{stdin: s.Stdin, stdout: s.Stdout, stderr: s.Stderr, tty: s.TTY}
	var exit <-chan reaper.Exit
	err := nsthread.Run(func() (err error) {
		exit, err = l.forkInNamespaces(s, x)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &execProcess{x: x, exit: exit}, nil
}

// forkInNamespaces runs on a locked thread that it changes for good.
func (l *Launcher) forkInNamespaces(s ExecSpec, x *execution) (<-chan reaper.Exit, error) {
	if err := unix.Unshare(unix.CLONE_FS); err != nil {
		return nil, fmt.Errorf("exec: unshare fs: %w", err)
	}
	if err := unix.Setns(s.PidFD, execNamespaces); errors.Is(err, unix.ESRCH) {
		return nil, fmt.Errorf("exec: %w", ErrNotRunning)
	} else if err != nil {
		return nil, fmt.Errorf("exec: join the container's namespaces: %w", err)
	}
	if !s.Security.Privileged {
		if err := LimitCaps(s.Security.Caps); err != nil {
			return nil, fmt.Errorf("exec: %w", err)
		}
	}
	if _, err := LookPath(s.Args[0], s.Env); err != nil {
		return nil, err
	}
	if err := x.open(); err != nil {
		return nil, err
	}
	cfgR, cfgW, syncR, syncW, err := pipes()
	if err != nil {
		x.started(0, err)
		return nil, err
	}
	defer cfgW.Close()
	defer syncR.Close()
	// The command starts as the nsinit binary, which applies the container's user, limits,
	// no_new_privs and seccomp filter (the filter cannot be loaded here: it would confine
	// podd's own fork) and execs the command.
	cmd := &exec.Cmd{Path: l.Binary.Path, Args: []string{"podd", Arg, "exec"}, Env: childEnv,
		Stdin: x.childIn, Stdout: x.childOut, Stderr: x.childErr,
		ExtraFiles: []*os.File{cfgR, syncW, l.Binary.memfd},
		SysProcAttr: &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: s.CgroupFD, Setsid: true, Setctty: x.tty,
			Unshareflags: unix.CLONE_NEWCGROUP}}
	child, err := l.Reaper.Start(cmd)
	cfgR.Close()
	syncW.Close()
	x.started(child.Pid, err)
	if errors.Is(err, unix.ENOMEM) {
		// fork into a PID namespace whose init has exited fails with ENOMEM (alloc_pid): the
		// container ended between the setns and the fork.
		return nil, fmt.Errorf("exec %q: %w", s.Args[0], ErrNotRunning)
	}
	if err != nil {
		return nil, fmt.Errorf("exec %q: %w", s.Args[0], err)
	}
	sec := s.Security
	sec.Sysctls = nil
	cfg := &Config{Args: s.Args, Env: s.Env, Cwd: cmp.Or(s.Dir, "/"), Security: sec}
	if err := handshake(cfg, cfgW, syncR); err != nil {
		_ = unix.Kill(child.Pid, unix.SIGKILL)
		<-child.Exit
		x.finish()
		if errors.Is(err, unix.EPIPE) && reaper.ExitsWithin(s.PidFD, initExitWait) {
			// the child died before it read its config: the container's init exited after
			// the fork and the kernel killed its PID namespace, the child with it. The init
			// ends only once every process of the namespace is reaped, the child too, which
			// podd just did: it is not seen ended at once (TestStress, once in a while).
			return nil, fmt.Errorf("exec %q: %w", s.Args[0], ErrNotRunning)
		}
		return nil, err
	}
	return child.Exit, nil
}

// initExitWait is how long an exec whose child died before reading its config waits for the
// container's init to be seen ended (it is ending: the exec is "not running") before it
// reports the broken pipe as it is.
const initExitWait = 2 * time.Second

// pipes makes the config and sync pipes of a child.
func pipes() (cfgR, cfgW, syncR, syncW *os.File, err error) {
	if cfgR, cfgW, err = os.Pipe(); err != nil {
		return nil, nil, nil, nil, fmt.Errorf("config pipe: %w", err)
	}
	if syncR, syncW, err = os.Pipe(); err != nil {
		cfgR.Close()
		cfgW.Close()
		return nil, nil, nil, nil, fmt.Errorf("sync pipe: %w", err)
	}
	return cfgR, cfgW, syncR, syncW, nil
}

// execProcess is the real ExecHandle.
type execProcess struct {
	x    *execution
	exit <-chan reaper.Exit
}

func (p *execProcess) Wait(ctx context.Context) int {
	var e reaper.Exit
	select {
	case e = <-p.exit:
	case <-ctx.Done():
		_ = unix.Kill(p.x.pid, unix.SIGKILL)
		e = <-p.exit
	}
	p.x.finish()
	return e.Code()
}

// Pid is the command's pid (in podd's PID namespace); it leads its own session (Setsid), which
// what it starts shares unless it leaves it.
func (p *execProcess) Pid() int { return p.x.pid }

func (p *execProcess) Resize(cols, rows uint16) error {
	if !p.x.tty {
		return errors.New("exec: no terminal to resize")
	}
	return p.x.resize(cols, rows)
}
