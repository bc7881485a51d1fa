package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/podd/podd/nsinit"
	"github.com/podd/podd/podopts"
	"golang.org/x/sys/unix"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Exec runs a command inside a running container and returns its exit code: runtime picks the
// container, its environment and working directory; nsinit joins its namespaces and runs the
// command with its pty or pipes.
func (rt *Runtime) Exec(ctx context.Context, namespace, name string, opts podopts.ExecOptions, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	c, pid, err := rt.runningContainer(namespace, name, opts.Container)
	if err != nil {
		return 0, err
	}
	if len(opts.Command) == 0 {
		return 0, apierrors.NewBadRequest("exec: a command is required")
	}
	if !opts.Stdin {
		stdin = nil
	}
	spec := nsinit.ExecSpec{Args: opts.Command, Env: c.execEnv(), TTY: opts.TTY,
		Dir:   firstNonEmpty(c.spec.WorkingDir, c.img.Config.WorkingDir),
		Stdin: stdin, Stdout: stdout, Stderr: stderr}
	h, err := rt.startExec(c, pid, spec)
	if err != nil {
		return 0, err
	}
	return h.Wait(ctx), nil
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

func (rt *Runtime) startExec(c *container, pid int, spec nsinit.ExecSpec) (nsinit.ExecHandle, error) {
	pidfd, err := containerPidfd(c, pid)
	if err != nil {
		return nil, err
	}
	defer unix.Close(pidfd)
	cg, err := rt.cg.Open(c.cgroup())
	if err != nil {
		return nil, err
	}
	defer cg.Close()
	spec.PidFD, spec.CgroupFD = pidfd, int(cg.Fd())
	if spec.Security, err = c.security(); err != nil {
		return nil, err
	}
	h, err := rt.launch.Exec(spec)
	if err != nil {
		return nil, execError(c, err)
	}
	return h, nil
}

// execError is the API's answer to an exec nsinit could not start: 400 for a container whose
// process is gone or a command it does not have, anything else as it is.
func execError(c *container, err error) error {
	var se *nsinit.SetupError
	switch {
	case errors.Is(err, nsinit.ErrNotRunning):
		return notRunning(c)
	case errors.As(err, &se):
		return apierrors.NewBadRequest(err.Error())
	}
	return err
}

// containerPidfd opens a pidfd of the container's process and checks it is still that process:
// the pid was read under the pod's lock, but the process may have exited since and its pid been
// reused. A live process in the container's cgroup is the container (or one of its execs).
func containerPidfd(c *container, pid int) (int, error) {
	fd, err := c.p.rt.procs.openPidfd(pid, c.cgroup())
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
