package nsinit

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// PauseArg0 is the argv[0] that makes podd-nsinit the init of a pod's shared PID namespace
// (shareProcessNamespace): `ps` in a container shows it as PID 1, as Kubernetes' pause.
const PauseArg0 = "/pause"

// pidNamespace is how a container's process gets its PID namespace.
type pidNamespace struct {
	host bool     // hostPID: podd's own
	join *os.File // shareProcessNamespace: the pod's, whose init is the pause process
}

// cloneFlags are the namespaces the container's clone creates.
func (n pidNamespace) cloneFlags() uintptr {
	if n.host || n.join != nil {
		return unix.CLONE_NEWNS
	}
	return unix.CLONE_NEWNS | unix.CLONE_NEWPID
}

// enter makes the calling (locked, throwaway) thread's next children start in the shared PID
// namespace.
func (n pidNamespace) enter() error {
	if n.join == nil {
		return nil
	}
	if err := unix.Setns(int(n.join.Fd()), unix.CLONE_NEWPID); err != nil {
		return fmt.Errorf("join the pod's PID namespace: %w", err)
	}
	return nil
}

// StartPause clones the init of a pod's shared PID namespace into the cgroup cgroupFD, from
// the calling thread's namespaces (netsetup.PodNS.Do: the pod's). It is podd-nsinit run as
// PauseArg0 (runPause).
func (l *Launcher) StartPause(cgroupFD int) (*Process, error) {
	cmd := &exec.Cmd{
		Path:       l.Binary.Path,
		Args:       []string{PauseArg0},
		Env:        childEnv,
		ExtraFiles: []*os.File{nil, nil, l.Binary.memfd},
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags:  unix.CLONE_NEWPID | unix.CLONE_NEWNS,
			UseCgroupFD: true,
			CgroupFD:    cgroupFD,
			Setsid:      true,
		},
	}
	child, err := l.Reaper.Start(cmd)
	if err != nil {
		return nil, fmt.Errorf("clone the pod's pause process: %w", err)
	}
	return &Process{Pid: child.Pid, Exit: child.Exit}, nil
}

// pauseUID is the user the pause process runs as (nobody's), with no capability and not
// dumpable: a container sharing its PID namespace cannot reach podd's mount namespace
// through /proc/1/root or /proc/1/cwd without CAP_SYS_PTRACE.
const pauseUID = 65534

// runPause is the pause process: it drops every privilege, then reaps the orphans of the
// pod's PID namespace until it is killed (by the pod's cgroup.kill).
func runPause() {
	unix.Close(binaryFD)
	_ = unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(&[]byte("pause\x00")[0])), 0, 0, 0) // comm "5": the memfd's descriptor
	_ = unix.Chdir("/")
	_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	if err := syscall.Setgroups(nil); err == nil {
		_ = syscall.Setresgid(pauseUID, pauseUID, pauseUID)
		_ = syscall.Setresuid(pauseUID, pauseUID, pauseUID) // clears the capabilities
	}
	_ = unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGCHLD, unix.SIGTERM, unix.SIGINT, unix.SIGHUP)
	for range sigs {
		for {
			pid, err := unix.Wait4(-1, nil, unix.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
