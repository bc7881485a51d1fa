package runtime

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"

	"github.com/podd/podd/api"
	"github.com/podd/podd/cgroupfs"
	"github.com/podd/podd/internal/nsthread"
	"github.com/podd/podd/internal/reaper"
	"github.com/podd/podd/nsinit"
	"golang.org/x/sys/unix"
)

// execNamespaces are joined in this order; mnt goes last because it changes what paths mean.
// The cgroup namespace is not joined: with cgroup2's nsdelegate (systemd's default, podd's as
// PID 1) a thread inside the container's cgroup namespace may not clone a child out of podd's
// cgroup into the container's (CLONE_INTO_CGROUP fails with ENOENT). The child unshares one
// instead once it is in the container's cgroup, which roots it at the same cgroup.
var execNamespaces = []struct {
	name string
	flag int
}{
	{"ipc", unix.CLONE_NEWIPC}, {"uts", unix.CLONE_NEWUTS}, {"net", unix.CLONE_NEWNET},
	{"pid", unix.CLONE_NEWPID}, {"mnt", unix.CLONE_NEWNS},
}

// Exec runs a command inside a running container and returns its exit code. No helper process:
// a locked OS thread unshares its filesystem context, joins the container's namespaces and
// forks the command from there, into the container's cgroup; the thread is then thrown away.
func (rt *Runtime) Exec(ctx context.Context, namespace, name string, opts api.ExecOptions, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	c, pid, err := rt.runningContainer(namespace, name, opts.Container)
	if err != nil {
		return 0, err
	}
	if len(opts.Command) == 0 {
		return 0, api.BadRequest("exec: a command is required")
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
		return nil, 0, api.NotFound("pods", name)
	}
	c, err := p.container(ctr)
	if err != nil {
		return nil, 0, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c.status().State.Running == nil || c.proc == nil {
		return nil, 0, api.BadRequest(fmt.Sprintf("container %s is not running", c.name()))
	}
	return c, c.proc.Pid, nil
}

func (rt *Runtime) startExec(c *container, pid int, argv []string, x *execution) (<-chan reaper.Exit, error) {
	fds, err := openNamespaces(pid)
	if err != nil {
		return nil, err
	}
	defer closeAll(fds)
	cg, err := cgroupfs.Open(c.cgroup())
	if err != nil {
		return nil, err
	}
	defer cg.Close()
	var exit <-chan reaper.Exit
	err = nsthread.Run(func() (err error) {
		exit, err = rt.forkInNamespaces(fds, c, int(cg.Fd()), argv, x)
		return err
	})
	return exit, err
}

func openNamespaces(pid int) ([]int, error) {
	var fds []int
	for _, ns := range execNamespaces {
		fd, err := unix.Open(fmt.Sprintf("/proc/%d/ns/%s", pid, ns.name), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			closeAll(fds)
			return nil, fmt.Errorf("exec: open %s namespace of pid %d: %w", ns.name, pid, err)
		}
		fds = append(fds, fd)
	}
	return fds, nil
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// forkInNamespaces runs on a locked thread that it changes for good.
func (rt *Runtime) forkInNamespaces(fds []int, c *container, cgfd int, argv []string, x *execution) (<-chan reaper.Exit, error) {
	if err := unix.Unshare(unix.CLONE_FS); err != nil {
		return nil, fmt.Errorf("exec: unshare fs: %w", err)
	}
	for i, ns := range execNamespaces {
		if err := unix.Setns(fds[i], ns.flag); err != nil {
			return nil, fmt.Errorf("exec: join %s namespace: %w", ns.name, err)
		}
	}
	if err := nsinit.LimitCaps(nsinit.DefaultCaps); err != nil {
		return nil, fmt.Errorf("exec: %w", err)
	}
	env := c.env()
	path, err := nsinit.LookPath(argv[0], env)
	if err != nil {
		return nil, api.BadRequest(err.Error())
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

// execution is the plumbing between the API stream and the exec'd process.
type execution struct {
	stdin                       io.Reader
	stdout, stderr              io.Writer
	tty, useStdin               bool
	childIn, childOut, childErr *os.File
	parentIn                    *os.File
	outputs                     []*os.File
	pid                         int
	copies                      sync.WaitGroup
}

// open makes pipes, or a pseudo-terminal from the container's own devpts (the thread has
// already joined its mount namespace).
func (x *execution) open() error {
	if x.tty {
		return x.openTTY()
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		return err
	}
	x.childIn, x.childOut, x.childErr, x.parentIn = inR, outW, errW, inW
	x.outputs = []*os.File{outR, errR}
	return nil
}

func (x *execution) openTTY() error {
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return fmt.Errorf("exec: open container ptmx: %w", err)
	}
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		return fmt.Errorf("exec: unlock pty: %w", err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		return fmt.Errorf("exec: pty number: %w", err)
	}
	slave, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return fmt.Errorf("exec: open pty: %w", err)
	}
	x.childIn, x.childOut, x.childErr, x.parentIn = slave, slave, slave, master
	x.outputs = []*os.File{master}
	return nil
}

// started closes the child's ends and starts copying.
func (x *execution) started(pid int, err error) {
	for _, f := range []*os.File{x.childIn, x.childOut, x.childErr} {
		f.Close()
	}
	if err != nil {
		x.parentIn.Close()
		for _, f := range x.outputs {
			f.Close()
		}
		return
	}
	x.pid = pid
	go x.copyStdin()
	dst := []io.Writer{x.stdout, x.stderr}
	for i, f := range x.outputs {
		x.copies.Add(1)
		go func() {
			defer x.copies.Done()
			_, _ = io.Copy(dst[i], f)
		}()
	}
}

func (x *execution) copyStdin() {
	if x.useStdin && x.stdin != nil {
		_, _ = io.Copy(x.parentIn, x.stdin)
	}
	if !x.tty {
		x.parentIn.Close()
	}
}

// finish waits for the output to drain after the process exited.
func (x *execution) finish() {
	// Pipes reach EOF, a pty master EIO, once the process and its children are gone.
	x.copies.Wait()
	if x.tty {
		x.parentIn.Close()
	}
	for _, f := range x.outputs {
		f.Close()
	}
}
