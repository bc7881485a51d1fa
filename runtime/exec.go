package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"syscall"

	"github.com/podd/podd/cgroupfs"
	"github.com/podd/podd/internal/nsthread"
	"github.com/podd/podd/internal/reaper"
	"github.com/podd/podd/nsinit"
	"github.com/podd/podd/podopts"
	"golang.org/x/sys/unix"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// execNamespaces are joined at once through a pidfd of the container's process. The cgroup
// namespace is not joined: with cgroup2's nsdelegate (systemd's default, podd's as PID 1) a
// thread inside the container's cgroup namespace may not clone a child out of podd's cgroup
// into the container's (CLONE_INTO_CGROUP fails with ENOENT). The child unshares one instead
// once it is in the container's cgroup, which roots it at the same cgroup.
const execNamespaces = unix.CLONE_NEWIPC | unix.CLONE_NEWUTS | unix.CLONE_NEWNET | unix.CLONE_NEWPID | unix.CLONE_NEWNS

// Exec runs a command inside a running container and returns its exit code. No helper process:
// a locked OS thread unshares its filesystem context, joins the container's namespaces and
// forks the command from there, into the container's cgroup; the thread is then thrown away.
func (rt *Runtime) Exec(ctx context.Context, namespace, name string, opts podopts.ExecOptions, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	c, pid, err := rt.runningContainer(namespace, name, opts.Container)
	if err != nil {
		return 0, err
	}
	if len(opts.Command) == 0 {
		return 0, apierrors.NewBadRequest("exec: a command is required")
	}
	x := &execution{stdin: stdin, stdout: stdout, stderr: stderr, tty: opts.TTY, useStdin: opts.Stdin}
	exit, err := rt.startExec(c, pid, opts.Command, x)
	if err != nil {
		return 0, err
	}
	var e reaper.Exit
	select {
	case e = <-exit:
	case <-ctx.Done():
		_ = unix.Kill(x.pid, unix.SIGKILL)
		e = <-exit
	}
	x.finish()
	return e.Code(), nil
}

func (rt *Runtime) runningContainer(namespace, name, ctr string) (*container, int, error) {
	p := rt.lookup(namespace, name)
	if p == nil {
		return nil, 0, apierrors.NewNotFound(podsResource, name)
	}
	c, err := p.container(ctr)
	if err != nil {
		return nil, 0, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c.status().State.Running == nil || c.proc == nil {
		return nil, 0, notRunning(c)
	}
	return c, c.proc.Pid, nil
}

func (rt *Runtime) startExec(c *container, pid int, argv []string, x *execution) (<-chan reaper.Exit, error) {
	pidfd, err := containerPidfd(c, pid)
	if err != nil {
		return nil, err
	}
	defer unix.Close(pidfd)
	cg, err := cgroupfs.Open(c.cgroup())
	if err != nil {
		return nil, err
	}
	defer cg.Close()
	var exit <-chan reaper.Exit
	err = nsthread.Run(func() (err error) {
		exit, err = rt.forkInNamespaces(pidfd, c, int(cg.Fd()), argv, x)
		return err
	})
	return exit, err
}

// containerPidfd opens a pidfd of the container's process and checks it is still that process:
// the pid was read under the pod's lock, but the process may have exited since and its pid been
// reused. A live process in the container's cgroup is the container (or one of its execs).
func containerPidfd(c *container, pid int) (int, error) {
	fd, err := pidfdInCgroup(pid, c.cgroup(), nil)
	if err != nil {
		return -1, fmt.Errorf("exec: %w", err)
	}
	if fd < 0 {
		return -1, notRunning(c)
	}
	return fd, nil
}

func notRunning(c *container) error {
	return apierrors.NewBadRequest(fmt.Sprintf("container %s is not running", c.name()))
}

// forkInNamespaces runs on a locked thread that it changes for good.
func (rt *Runtime) forkInNamespaces(pidfd int, c *container, cgfd int, argv []string, x *execution) (<-chan reaper.Exit, error) {
	if err := unix.Unshare(unix.CLONE_FS); err != nil {
		return nil, fmt.Errorf("exec: unshare fs: %w", err)
	}
	if err := unix.Setns(pidfd, execNamespaces); errors.Is(err, unix.ESRCH) {
		return nil, notRunning(c)
	} else if err != nil {
		return nil, fmt.Errorf("exec: join the container's namespaces: %w", err)
	}
	if err := nsinit.LimitCaps(nsinit.DefaultCaps); err != nil {
		return nil, fmt.Errorf("exec: %w", err)
	}
	env := c.env()
	path, err := nsinit.LookPath(argv[0], env)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if err := x.open(); err != nil {
		return nil, err
	}
	cmd := &exec.Cmd{Path: path, Args: argv, Env: env, Dir: "/",
		Stdin: x.childIn, Stdout: x.childOut, Stderr: x.childErr,
		SysProcAttr: &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: cgfd, Setsid: true, Setctty: x.tty,
			Unshareflags: unix.CLONE_NEWCGROUP}}
	if wd := firstNonEmpty(c.spec.WorkingDir, c.img.Config.WorkingDir); wd != "" {
		cmd.Dir = wd
	}
	child, err := rt.reaper.Start(cmd)
	x.started(child.Pid, err)
	if err != nil {
		return nil, fmt.Errorf("exec %q: %w", argv[0], err)
	}
	return child.Exit, nil
}
