package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/podd/podd/internal/reaper"
	"github.com/podd/podd/nsinit"
	"github.com/podd/podd/rootfs"
	"github.com/podd/podd/rootfs/overlay"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
)

// container is one container of a pod and its supervisor's state, with CRI's lifecycle:
//
//	create  CreateContainer   cgroup, device filter, fresh writable layer, log file of the run
//	start   StartContainer    clone the process into the sandbox; returns once it exec'd
//	stop    StopContainer     SIGTERM if it is caught, SIGKILL to its cgroup at the deadline
//	remove  RemoveContainer   its cgroup and writable layer
//
// A restart is create then start again; supervise.go runs the restart policy.
type container struct {
	p         *pod
	idx       int
	spec      *corev1.Container
	img       *rootfs.Image
	proc      *nsinit.Process
	stopAt    chan time.Time // receives the kill deadline when the pod is deleted
	restarts  int32
	oomSeen   uint64
	startedAt time.Time
	log       *runLog            // this run's log capture (logcap.go), from create on
	early     *startRun          // this run's process cloned during Apply's sandbox (clone.go)
	probes    *probeRun          // this run's probes (probes.go); p.mu guards it
	lastProbe probeLasts         // the last results of the previous run's probes (probe_results.go); p.mu
	newImage  chan *rootfs.Image // an update's image for the next run (update.go); made under p.mu
	runEnv    []string           // the env of the current run, for exec (p.mu guards it)
	stdio     *stdio             // this run's stdin or pty master (attach.go); p.mu guards it

	// Init containers and supervision (initcontainers.go).
	init       bool          // idx is in spec.initContainers; a sidecar when its restartPolicy is Always
	done       chan struct{} // closed when its supervisor returns
	supervised bool          // a supervisor was started (p.mu guards it)
	hookDue    bool          // the run podd just started awaits its postStart hook (p.mu guards it)
	hook       hookState     // where the current run's postStart is (poststart.go; p.mu guards it)
}

func (c *container) name() string   { return c.spec.Name }
func (c *container) cgroup() string { return filepath.Join(c.p.cgroup(), c.spec.Name) }
func (c *container) dir() string    { return filepath.Join(c.p.dir(), "containers", c.spec.Name) }
func (c *container) logPath(restart int32) string {
	return filepath.Join(c.p.logDir(), c.spec.Name, strconv.Itoa(int(restart))+".log")
}

// create is CreateContainer, for every run (a restart is create then start, as kubelet makes a
// new container): the container's cgroup with its limits and device filter, a fresh writable
// layer and the log file of this run. It needs the pod cgroup but not the sandbox's namespaces.
func (c *container) create() error {
	log, err := c.createFiles()
	c.p.mu.Lock() // logs -f reads it (capturing)
	c.log = log
	c.p.mu.Unlock()
	return err
}

func (c *container) createFiles() (*runLog, error) {
	cg := c.cgroup()
	if err := c.p.rt.cg.Create(cg); err != nil {
		return nil, err
	}
	if err := c.p.rt.cg.Set(cg, c.setupResources()); err != nil {
		return nil, fmt.Errorf("%s.resources: %w", c.fieldPath(), err)
	}
	if err := c.attachDeviceFilter(); err != nil {
		return nil, err
	}
	if err := c.resetTermFile(); err != nil {
		return nil, err
	}
	d := c.dir()
	ov := overlay.Overlay{Upper: filepath.Join(d, "upper"), Work: filepath.Join(d, "work"), Target: filepath.Join(d, "rootfs")}
	// Every run starts from the image, as in Kubernetes: the last run's writes go.
	for _, dir := range []string{ov.Upper, ov.Work} {
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("reset writable layer: %w", err)
		}
	}
	if err := ov.Prepare(); err != nil {
		return nil, err
	}
	return c.openLog()
}

// start is StartContainer: it clones the created container's process into the sandbox's
// namespaces and its cgroup (or takes the one Apply cloned early, clone.go), sends it its
// config and returns once the command has been exec'd.
func (c *container) start() error {
	defer c.closeLog()
	if run := c.early; run != nil {
		c.early = nil
		defer run.close() // kills the clone if it never got its config
		cfg, err := c.config()
		if err != nil {
			return err
		}
		return c.launch(run, cfg)
	}
	cfg, err := c.config()
	if err != nil {
		return err
	}
	run, err := c.prepareStart()
	if err != nil {
		return err
	}
	defer run.close()
	return c.launch(run, cfg)
}

// launch starts run's process with cfg and records it as the container's.
func (c *container) launch(run *startRun, cfg *nsinit.Config) error {
	proc, err := c.spawn(run, cfg)
	if err != nil {
		return err
	}
	run.tookStdio(proc)
	if err := c.limitCPU(proc); err != nil {
		return err
	}
	c.p.mu.Lock()
	c.proc = proc
	c.hookDue = true
	if c.hasPostStart() {
		c.setHookLocked(hookRunning)
	}
	c.p.eventLocked(corev1.EventTypeNormal, reasonStarted, "Started container "+c.name())
	c.p.mu.Unlock()
	c.startedAt = time.Now()
	c.keepStdio() // not from the pod's namespaces: the keeper may start
	return nil
}

// spawn gives run's process its config (an early clone) or clones it now in the sandbox's
// namespaces, and returns once the command has been exec'd.
func (c *container) spawn(run *startRun, cfg *nsinit.Config) (*nsinit.Process, error) {
	if cloned := run.cloned; cloned != nil {
		run.cloned = nil
		proc, err := cloned.Finish(cfg)
		if err != nil {
			return nil, c.startError(err)
		}
		return proc, nil
	}
	run.spec.Config = cfg
	var proc *nsinit.Process
	err := c.p.rt.pins.Do(c.p.ns, func() error {
		var err error
		if proc, err = c.p.rt.launch.Start(run.spec); err != nil {
			return c.startError(err)
		}
		return nil
	})
	return proc, err
}

// stop is StopContainer: the preStop hook (hooks.go), then the stop signal
// (lifecycle.stopSignal, else SIGTERM) when the process can act on it, SIGKILL to the whole
// cgroup at the deadline (or at once when the signal would be ignored). It returns how the
// process ended.
func (c *container) stop(deadline time.Time) reaper.Exit {
	deadline = c.preStop(deadline)
	procs := c.p.rt.procs
	pid := c.proc.Pid
	if sig := c.stopSignal(); procs.catches(pid, sig) {
		_ = procs.signal(pid, sig)
		if e, ok := c.awaitExit(deadline); ok {
			return e
		}
	}
	if err := c.p.rt.cg.Kill(c.cgroup()); err != nil {
		_ = procs.signal(pid, unix.SIGKILL)
	}
	return <-c.proc.Exit
}

// awaitExit waits for the process to exit until deadline, which a later, shorter delete moves
// closer; ok is false when the deadline passed first.
func (c *container) awaitExit(deadline time.Time) (reaper.Exit, bool) {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		select {
		case e := <-c.proc.Exit:
			return e, true
		case <-timer.C:
			return reaper.Exit{}, false
		case d := <-c.stopAt:
			if d.Before(deadline) {
				deadline = d
				timer.Reset(time.Until(d))
			}
		}
	}
}

// remove is RemoveContainer, once its process is gone (the sandbox's stop killed what was
// left): its cgroup, its writable layer and root mountpoint. Its logs go with the pod's.
func (c *container) remove() error {
	c.closeLog() // created but never started
	var errs []error
	if err := c.p.rt.cg.Remove(c.cgroup()); err != nil {
		errs = append(errs, fmt.Errorf("container %s cgroup: %w", c.name(), err))
	}
	if err := os.RemoveAll(c.dir()); err != nil {
		errs = append(errs, fmt.Errorf("container %s: %w", c.name(), err))
	}
	return errors.Join(errs...)
}
