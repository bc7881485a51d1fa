package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/podd/podd/nsinit"
	corev1 "k8s.io/api/core/v1"
)

// Pod PID and IPC namespace options. hostPID runs the containers in podd's PID namespace and
// hostIPC in its IPC namespace. shareProcessNamespace gives the pod one PID namespace whose
// init is a pause process (podd-nsinit run as /pause, as Kubernetes' pause container is
// PID 1): a container that exits or restarts does not take the others with it, as it would if
// the first container were the namespace's init, and `ps` in any container shows /pause as
// PID 1 and every container's processes. The pause process lives in the cgroup
// <pod>/.pause (under the pod's limits; a cgroup name no container can have), so the pod's
// cgroup.kill ends it with the pod, and a restarted podd finds it there.

type pauseStarter interface {
	StartPause(cgroupFD int) (*nsinit.Process, error)
}

// podPIDMode is the pod's choice of PID and IPC namespaces.
type podPIDMode struct {
	hostPID, hostIPC, share bool
}

func pidModeOf(spec *corev1.PodSpec) podPIDMode {
	return podPIDMode{hostPID: spec.HostPID, hostIPC: spec.HostIPC,
		share: spec.ShareProcessNamespace != nil && *spec.ShareProcessNamespace}
}

// private reports whether each container has a PID namespace of its own (and so is its init).
func (m podPIDMode) private() bool { return !m.hostPID && !m.share }

func (s *sandbox) pauseCgroup() string { return filepath.Join(s.cgroup(), ".pause") }

// startPause starts the pod's pause process when it shares its PID namespace and none runs
// (a recovering podd finds the one it started before).
func (s *sandbox) startPause() error {
	starter, ok := s.rt.launch.(pauseStarter)
	if !s.pidMode.share || !ok {
		return nil
	}
	if pids, _ := s.rt.cg.Pids(s.pauseCgroup()); len(pids) > 0 {
		return nil
	}
	if err := s.rt.cg.Create(s.pauseCgroup()); err != nil {
		return fmt.Errorf("shareProcessNamespace: %w", err)
	}
	cg, err := s.rt.cg.Open(s.pauseCgroup())
	if err != nil {
		return fmt.Errorf("shareProcessNamespace: %w", err)
	}
	defer cg.Close()
	return s.rt.pins.Do(s.ns, func() error {
		proc, err := starter.StartPause(int(cg.Fd()))
		if err != nil {
			return fmt.Errorf("shareProcessNamespace: %w", err)
		}
		go func() { <-proc.Exit }() // the pod's cgroup.kill ends it
		return nil
	})
}

// namespaceSpec fills in how a container joins the pod's PID and IPC namespaces; the files
// it opens are closed by the returned function.
func (c *container) namespaceSpec(spec *nsinit.Spec) (func(), error) {
	m := c.p.pidMode
	spec.HostPID = m.hostPID
	var files []*os.File
	done := func() {
		for _, f := range files {
			f.Close()
		}
	}
	if m.hostIPC {
		f, err := os.Open("/proc/self/ns/ipc") // podd's main thread's: the host's
		if err != nil {
			return done, fmt.Errorf("hostIPC: %w", err)
		}
		files, spec.JoinIPC = append(files, f), f
	}
	if m.share {
		f, err := c.p.openPausePIDNS()
		if err != nil {
			return done, err
		}
		files, spec.JoinPID = append(files, f), f
	}
	return done, nil
}

// openPausePIDNS opens the PID namespace of the pod's pause process.
func (s *sandbox) openPausePIDNS() (*os.File, error) {
	pids, err := s.rt.cg.Pids(s.pauseCgroup())
	if err != nil || len(pids) == 0 {
		return nil, errors.Join(errors.New("shareProcessNamespace: the pod's pause process is gone"), err)
	}
	f, err := os.Open("/proc/" + strconv.Itoa(pids[0]) + "/ns/pid")
	if err != nil {
		return nil, fmt.Errorf("shareProcessNamespace: %w", err)
	}
	return f, nil
}

// findRecorded is findLive for a pod whose containers are not the init of their PID namespace
// (hostPID, shareProcessNamespace): only the process the record names, if it still runs in
// the container's cgroup since the recorded start, is the container's.
func (p *pod) findRecorded(c *container, pids []int) *liveProc {
	st := c.status()
	if st.State.Running == nil || st.ContainerID == "" {
		return nil
	}
	pid := pidFromID(st.ContainerID)
	for _, q := range pids {
		if q != pid {
			continue
		}
		start, err := nsinit.StartTime(pid)
		if err != nil || !sameStart(start, st.State.Running.StartedAt.Time) {
			return nil
		}
		fd, err := p.rt.procs.openPidfd(pid, c.cgroup())
		if err != nil || fd < 0 {
			return nil
		}
		return &liveProc{pid: pid, handle: pidfd(fd), start: start, sameRun: true}
	}
	return nil
}
