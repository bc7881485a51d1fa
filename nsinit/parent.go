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
	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("config pipe: %w", err)
	}
	defer cfgW.Close()
	syncR, syncW, err := os.Pipe()
	if err != nil {
		cfgR.Close()
		return nil, fmt.Errorf("sync pipe: %w", err)
	}
	defer syncR.Close()
	var consChild, cons *os.File
	if s.TTY {
		if consChild, cons, err = consoleSocket(); err != nil {
			cfgR.Close()
			syncW.Close()
			return nil, err
		}
		defer cons.Close()
	}
	if err := s.enterNamespaces(); err != nil {
		cfgR.Close()
		syncW.Close()
		if consChild != nil {
			consChild.Close()
		}
		return nil, err
	}
	cmd := command(l.Binary, s, cfgR, syncW, consChild)
	child, err := l.Reaper.Start(cmd)
	cfgR.Close()
	syncW.Close()
	if consChild != nil {
		consChild.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("clone container process: %w", err)
	}
	p := &Process{Pid: child.Pid, Exit: child.Exit}
	err = handshake(s.Config, cfgW, syncR)
	if err == nil && cons != nil {
		p.Console, err = receiveConsole(cons)
	}
	if err != nil {
		_ = unix.Kill(p.Pid, unix.SIGKILL)
		<-p.Exit
		return nil, err
	}
	return p, nil
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
