package runtime

import (
	"sync"

	"github.com/podd/podd/nsinit"
)

// startRun is what a container's start holds from before the clone until the exec: the clone's
// spec, what its stdio needs once the process runs, what to release afterwards (the cgroup and
// namespace descriptors, the pod's lifted cpu.max) and, for a process Apply cloned early, the
// child waiting for its config.
type startRun struct {
	spec      nsinit.Spec
	tookStdio func(*nsinit.Process)
	cleanup   []func()
	cloned    nsinit.Cloned
}

// prepareStart opens and lifts what cloning the container's process needs (its spec without
// the config).
func (c *container) prepareStart() (*startRun, error) {
	rt := c.p.rt
	run := &startRun{}
	cgfd, err := rt.cg.Open(c.cgroup())
	if err != nil {
		return nil, err
	}
	run.cleanup = append(run.cleanup, func() { cgfd.Close() })
	if n, err := rt.cg.MemoryEvents(c.cgroup()); err == nil {
		c.oomSeen = n["oom_kill"]
	}
	run.spec = nsinit.Spec{CgroupFD: int(cgfd.Fd()), Log: c.log.stdout, Stderr: c.log.stderr, Name: c.p.obj.Name + "/" + c.name()}
	closeNS, err := c.namespaceSpec(&run.spec)
	run.cleanup = append(run.cleanup, closeNS)
	if err != nil {
		run.close()
		return nil, err
	}
	tookStdio, stdioDone, err := c.prepareStdio(&run.spec)
	if err != nil {
		run.close()
		return nil, err
	}
	run.tookStdio = tookStdio
	run.cleanup = append(run.cleanup, stdioDone)
	if err := c.p.liftCPUMax(); err != nil {
		run.close()
		return nil, err
	}
	run.cleanup = append(run.cleanup, c.p.restoreCPUMax)
	return run, nil
}

// close kills a clone that never got its config, then releases what the start held, last
// first.
func (r *startRun) close() {
	if r.cloned != nil {
		r.cloned.Abort()
		r.cloned = nil
	}
	for i := len(r.cleanup) - 1; i >= 0; i-- {
		r.cleanup[i]()
	}
	r.cleanup = nil
}

// cloneEarly clones the container's process as soon as the sandbox's namespaces are pinned
// (pinned closed), while the sandbox's network is still being set up: the child's exec and Go
// start then overlap the veth and address work instead of following it. The child waits for
// its config, which start makes once the sandbox is ready (the pod IP in env, the /etc files
// among its binds): until then it has run nothing of the container's and holds what a child
// cloned by start holds. A shared PID namespace needs the pause process, started after the
// network: such pods, and any failure here, take the regular clone in start.
func (c *container) cloneEarly(pinned <-chan struct{}) {
	cloner, ok := c.p.rt.launch.(nsinit.Cloner)
	if !ok || c.p.pidMode.share {
		return
	}
	<-pinned
	if c.p.ns == nil {
		return // the sandbox failed: Apply tears down
	}
	run, err := c.prepareStart()
	if err != nil {
		return
	}
	err = c.p.rt.pins.Do(c.p.ns, func() error {
		var err error
		run.cloned, err = cloner.Clone(run.spec)
		return err
	})
	if err != nil {
		run.close()
		return
	}
	c.early = run
}

// dropEarly kills the early clones start did not take (Apply failed or stopped before).
func (p *pod) dropEarly() {
	for _, c := range p.all() {
		if c.early != nil {
			c.early.close()
			c.early = nil
		}
	}
}

// pinnedSignal is closed once the sandbox's namespaces are pinned, or their creation failed.
type pinnedSignal struct {
	once sync.Once
	ch   chan struct{}
}

func newPinnedSignal() *pinnedSignal { return &pinnedSignal{ch: make(chan struct{})} }

func (s *pinnedSignal) done() { s.once.Do(func() { close(s.ch) }) }
