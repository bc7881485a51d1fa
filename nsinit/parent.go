package nsinit

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"github.com/podd/podd/internal/reaper"
	"golang.org/x/sys/unix"
)

// Starter creates container processes and runs commands in them: what runtime needs from
// this package. *Launcher is the real one; runtime's unit tests use a fake.
type Starter interface {
	// Start clones a container's process and returns once its command has been exec'd, or with
	// the setup error (a *SetupError when the child got as far as reporting one).
	Start(Spec) (*Process, error)
	// Exec runs a command in a running container (see ExecSpec).
	Exec(ExecSpec) (ExecHandle, error)
}

// Launcher starts processes through the reaper, containers from the sealed nsinit binary.
type Launcher struct {
	Reaper *reaper.Reaper
	Binary *Binary
}

var _ Starter = (*Launcher)(nil)

// Cloner is a Starter that can clone a container's process before its config is made: Clone
// is Start without Spec.Config, and the Cloned child waits for it.
type Cloner interface {
	Clone(Spec) (Cloned, error)
}

// Cloned is a container process that waits for its config. Exactly one of Finish (send it and
// return once the command has been exec'd, as Start) or Abort (kill and reap it) is called.
type Cloned interface {
	Finish(*Config) (*Process, error)
	Abort()
}

var _ Cloner = (*Launcher)(nil)

// Process is a started container process.
type Process struct {
	Pid  int
	Exit <-chan reaper.Exit
	// Console is the master of the container's pty (Spec.TTY), for the caller to hold.
	Console *os.File
}

// Spec is how to start one container process.
type Spec struct {
	Config   *Config
	CgroupFD int      // the container's cgroup, joined at clone time (CLONE_INTO_CGROUP)
	Log      *os.File // stdout, and stderr when Stderr is nil
	Stderr   *os.File
	Stdin    *os.File // nil: /dev/null
	// TTY gives the process a pty of its own devpts as stdio and controlling terminal (Log,
	// Stderr and Stdin are then only the child's until it sets the pty up); its master comes
	// back in Process.Console.
	TTY  bool
	Name string // shown in ps while the child sets up
	// HostPID runs the container in podd's PID namespace (hostPID); JoinPID, when set, in the
	// pod's shared one (shareProcessNamespace: /proc/<pause>/ns/pid). Otherwise the container
	// gets a PID namespace of its own.
	HostPID bool
	JoinPID *os.File
	// JoinIPC, when set, replaces the pod's IPC namespace (hostIPC: podd's own).
	JoinIPC *os.File
}

// Start clones the child and returns once the container command has been exec'd, or with the
// setup error. It must run on a thread inside the pod's namespaces (netsetup.PodNS.Do): the
// child inherits that thread's network, IPC and UTS namespaces.
func (l *Launcher) Start(s Spec) (*Process, error) {
	c, err := l.Clone(s)
	if err != nil {
		return nil, err
	}
	return c.Finish(s.Config)
}

// cloned is Launcher's Cloned: a child in its namespaces and cgroup that waits, its Go runtime
// initialised, for its config. It has run nothing of the container's yet and holds only what
// Start's child holds (the config and sync pipes; the sealed binary it closes first).
type cloned struct {
	proc        *Process
	cfgW, syncR *os.File
	cons        *os.File // the console socket's parent end (Spec.TTY)
}

// Clone clones the child of s like Start, without s.Config: the config can be made while the
// child starts (the sandbox's network, the pod IP in env). Same thread rule as Start.
func (l *Launcher) Clone(s Spec) (Cloned, error) {
	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("config pipe: %w", err)
	}
	syncR, syncW, err := os.Pipe()
	if err != nil {
		cfgR.Close()
		cfgW.Close()
		return nil, fmt.Errorf("sync pipe: %w", err)
	}
	c := &cloned{cfgW: cfgW, syncR: syncR}
	child := []*os.File{cfgR, syncW}
	defer func() {
		for _, f := range child {
			if f != nil {
				f.Close()
			}
		}
	}()
	var consChild *os.File
	if s.TTY {
		if consChild, c.cons, err = consoleSocket(); err != nil {
			c.closeFiles()
			return nil, err
		}
		child = append(child, consChild)
	}
	if err := s.enterNamespaces(); err != nil {
		c.closeFiles()
		return nil, err
	}
	started, err := l.Reaper.Start(command(l.Binary, s, cfgR, syncW, consChild))
	if err != nil {
		c.closeFiles()
		return nil, fmt.Errorf("clone container process: %w", err)
	}
	c.proc = &Process{Pid: started.Pid, Exit: started.Exit}
	return c, nil
}

// Finish sends cfg and returns once the container command has been exec'd, or with the setup
// error (the child is then killed and reaped).
func (c *cloned) Finish(cfg *Config) (*Process, error) {
	defer c.closeFiles()
	p := c.proc
	err := handshake(cfg, c.cfgW, c.syncR)
	if err == nil && c.cons != nil {
		p.Console, err = receiveConsole(c.cons)
	}
	if err != nil {
		c.kill()
		return nil, err
	}
	return p, nil
}

// Abort kills the child before it got its config, and reaps it.
func (c *cloned) Abort() {
	c.closeFiles()
	c.kill()
}

func (c *cloned) kill() {
	_ = unix.Kill(c.proc.Pid, unix.SIGKILL)
	<-c.proc.Exit
}

func (c *cloned) closeFiles() {
	for _, f := range []*os.File{c.cfgW, c.syncR, c.cons} {
		if f != nil {
			f.Close()
		}
	}
}

// childEnv is the child's own environment (the container's is in the config): one P for its
// Go runtime, which then starts fewer threads and touches less memory on its way to execve:
// 16% less CPU per container start on a 2-vCPU VM (BenchmarkChildStart).
var childEnv = []string{"GOMAXPROCS=1"}

func (s Spec) stderr() *os.File {
	if s.Stderr != nil {
		return s.Stderr
	}
	return s.Log
}

func command(b *Binary, s Spec, cfgR, syncW, console *os.File) *exec.Cmd {
	cmd := &exec.Cmd{
		Path:       b.Path,
		Args:       []string{"podd", Arg, s.Name},
		Env:        childEnv,
		Stdout:     s.Log,
		Stderr:     s.stderr(),
		ExtraFiles: []*os.File{cfgR, syncW, b.memfd}, // fds 3, 4 and binaryFD
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags:  pidNamespace{host: s.HostPID, join: s.JoinPID}.cloneFlags(),
			UseCgroupFD: true,
			CgroupFD:    s.CgroupFD,
			Setsid:      true,
		},
	}
	if s.Stdin != nil {
		cmd.Stdin = s.Stdin
	}
	if console != nil { // fd 6 (consoleFD)
		cmd.ExtraFiles = append(cmd.ExtraFiles, console)
		cmd.Args = append(cmd.Args, ttyArg)
	}
	return cmd
}

// enterNamespaces moves the calling thread (PodNS.Do's, thrown away afterwards) into the
// host's IPC namespace and the pod's shared PID namespace the spec asks for.
func (s Spec) enterNamespaces() error {
	if s.JoinIPC != nil {
		if err := unix.Setns(int(s.JoinIPC.Fd()), unix.CLONE_NEWIPC); err != nil {
			return fmt.Errorf("join the host's IPC namespace: %w", err)
		}
	}
	return pidNamespace{host: s.HostPID, join: s.JoinPID}.enter()
}

// handshake sends the config and waits for exec (EOF on the sync pipe) or the child's report.
func handshake(cfg *Config, cfgW, syncR *os.File) error {
	if err := json.NewEncoder(cfgW).Encode(cfg); err != nil {
		return fmt.Errorf("send nsinit config: %w", err)
	}
	cfgW.Close()
	return readReport(syncR)
}
