package runtime

import (
	"fmt"
	"sync"

	"github.com/podd/podd/cgroupfs"
	"github.com/podd/podd/nsinit"
	"golang.org/x/sys/unix"
)

// A container's cpu.max applies to its command, not to podd-nsinit setting it up: with
// limits.cpu 10m, the mounts and pivot_root would get 1 ms of CPU every 100 ms (minutes under
// emulation). So the container is cloned with its cgroup's cpu.max lifted, and the pod's too
// (the pod's is the sum of its containers' and would throttle the setup just the same), and the
// real values are written once the handshake says the command has been exec'd; on every
// restart too.

// cpuSetup counts the pod's containers between clone and exec; the pod cgroup's cpu.max is lifted
// while there is any.
type cpuSetup struct {
	mu      sync.Mutex
	running int
}

// setupResources are the container cgroup's values for the time of its setup: the real ones
// but cpu.max without a quota.
func (c *container) setupResources() cgroupfs.Resources {
	r := c.p.rt.containerResources(c.spec)
	if r.CPUMax != "" {
		r.CPUMax = cgroupfs.CPUMaxUnlimited
	}
	return r
}

// limitCPU writes the container's real cpu.max once its command runs. A container whose limit
// cannot be written does not run unlimited: it is killed and the start fails.
func (c *container) limitCPU(proc *nsinit.Process) error {
	limit := c.p.rt.containerResources(c.spec).CPUMax
	if err := c.p.rt.cg.SetCPUMax(c.cgroup(), limit); err != nil {
		_ = c.p.rt.procs.signal(proc.Pid, unix.SIGKILL)
		<-proc.Exit
		return fmt.Errorf("%s.resources.limits.cpu: %w", c.fieldPath(), err)
	}
	return nil
}

// liftCPUMax lifts the pod cgroup's cpu.max for a container's setup.
func (s *sandbox) liftCPUMax() error {
	if s.res.CPUMax == "" {
		return nil
	}
	s.setup.mu.Lock()
	defer s.setup.mu.Unlock()
	s.setup.running++
	if s.setup.running > 1 {
		return nil
	}
	if err := s.rt.cg.SetCPUMax(s.cgroup(), cgroupfs.CPUMaxUnlimited); err != nil {
		s.setup.running--
		return fmt.Errorf("pod cgroup: %w", err)
	}
	return nil
}

// restoreCPUMax writes the pod cgroup's real cpu.max back once no container is setting up. A
// failure is logged: every container of a pod with a cpu.max has its own, which still holds.
func (s *sandbox) restoreCPUMax() {
	limit := s.res.CPUMax
	if limit == "" {
		return
	}
	s.setup.mu.Lock()
	defer s.setup.mu.Unlock()
	if s.setup.running--; s.setup.running > 0 {
		return
	}
	if err := s.rt.cg.SetCPUMax(s.cgroup(), limit); err != nil {
		logf("pod %s: restoring the pod's cpu limit: %v", s.name, err)
	}
}
