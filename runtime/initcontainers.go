package runtime

import (
	"time"

	"github.com/podd/podd/podstatus"
	corev1 "k8s.io/api/core/v1"
)

// Init containers, kubelet's way: the initializer runs them in spec order, each to completion
// (a regular one: exit 0) or, for a sidecar (restartPolicy Always), until it has started
// (running, past its startup probe), before the next; then it starts the app containers. A
// regular init container that fails is restarted with back-off unless the pod's restartPolicy
// is Never, which fails the pod (podstatus). Sidecars keep running, are restarted whenever they
// exit, and are stopped after the app containers: at the deletion, in reverse order, or once
// no app container will run again.

func (c *container) sidecar() bool { return c.init && podstatus.IsSidecar(c.spec) }

// supervise starts c's supervisor; p.wg and, for all but sidecars, p.mainWG count it. It
// reports false, starting nothing, once the pod is being deleted.
func (p *pod) supervise(c *container) bool { return p.superviseAfter(c, nil) }

// superviseAfter is supervise, the supervisor running first (nil: nothing) before it
// supervises: a deletion meanwhile finds the supervisor there to stop what first started.
func (p *pod) superviseAfter(c *container, first func()) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.deleting {
		return false
	}
	c.supervised = true
	p.wg.Add(1)
	if !c.sidecar() {
		p.mainWG.Add(1)
	}
	go func() {
		if first != nil {
			first()
		}
		c.supervise()
	}()
	return true
}

// supervised marks the end of c's supervisor (deferred by supervise).
func (c *container) supervisorDone() {
	close(c.done)
	if !c.sidecar() {
		c.p.mainWG.Done()
	}
	c.p.wg.Done()
}

// startInitializer runs the initializer in the background (p.wg and p.mainWG count it).
func (p *pod) startInitializer() {
	p.wg.Add(1)
	p.mainWG.Add(1)
	go func() {
		defer p.wg.Done()
		defer p.mainWG.Done()
		p.initialize()
	}()
}

// initialize runs the init containers in order, then starts the app containers. A restarted
// podd runs it again: what completed is skipped, a live process is awaited.
func (p *pod) initialize() {
	for _, c := range p.inits {
		if !c.sidecar() && p.initDone(c) {
			continue
		}
		c.hookPending()
		if !p.launch(c) || !p.awaitInit(c) {
			return
		}
	}
	p.launchApps()
}

// initDone: a regular init container succeeded, a sidecar started.
func (p *pod) initDone(c *container) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return initComplete(c)
}

func initComplete(c *container) bool {
	st := c.status()
	if c.sidecar() { // started: running, past its startupProbe and its postStart hook
		return st.State.Running != nil && st.Started != nil && *st.Started && c.hook == hookNone
	}
	return st.State.Terminated != nil && st.State.Terminated.ExitCode == 0
}

// launch starts c's first run (unless a process was adopted) and its supervisor; a failed
// start leaves it waiting with kubelet's reason, and the supervisor retries it as a restart.
func (p *pod) launch(c *container) bool {
	if c.proc != nil || c.img == nil || !p.mounted() { // a live process, or volumes or an image to wait for (images.go)
		return p.supervise(c)
	}
	return p.superviseAfter(c, func() {
		if err := c.restart(); err != nil {
			c.setWaitingLocked(startReason(err), err.Error())
			return
		}
		p.mu.Lock()
		c.setRunning(time.Now())
		p.updatePhase()
		p.mu.Unlock()
		p.save()
	})
}

// awaitInit waits until c completed (initComplete); false when the pod is being deleted or
// c failed for good (restartPolicy Never).
func (p *pod) awaitInit(c *container) bool {
	return p.waitUntil(func() (ok, decided bool) {
		if initComplete(c) {
			return true, true
		}
		return false, !c.sidecar() && initFailed(c)
	}, nil)
}

// waitUntil waits until verdict (called with p.mu held) has decided, and returns its ok; false
// once the pod is being deleted or evicted, true once gone (nil: never) is closed.
func (p *pod) waitUntil(verdict func() (ok, decided bool), gone <-chan struct{}) bool {
	for {
		p.mu.Lock()
		if p.deleting || p.evictedLocked() {
			p.mu.Unlock()
			return false
		}
		if ok, decided := verdict(); decided {
			p.mu.Unlock()
			return ok
		}
		ch := p.waitChangeLocked()
		p.mu.Unlock()
		select {
		case <-ch:
		case <-gone:
			return true
		}
	}
}

// initFailed: a regular init container exited non-zero and will not be restarted (one whose
// end a restarted podd could not observe is run again).
func initFailed(c *container) bool {
	t := c.status().State.Terminated
	return t != nil && t.ExitCode != 0 && t.Reason != podstatus.ReasonStatusUnknown &&
		c.p.obj.Spec.RestartPolicy == corev1.RestartPolicyNever
}

// launchApps starts the app containers, each by its own supervisor, all at once, or one after
// the other's postStart hook where one has a hook (poststart.go).
func (p *pod) launchApps() {
	ordered := p.orderedStart()
	for _, c := range p.ctrs {
		if !ordered {
			p.launch(c)
			continue
		}
		c.hookPending()
		if !p.launch(c) || (c.hasPostStart() && !p.awaitPostStart(c)) {
			return
		}
	}
}

// waitChangeLocked returns a channel closed at the next status change (updatePhase) or
// deletion; p.mu is held.
func (p *pod) waitChangeLocked() <-chan struct{} {
	if p.changed == nil {
		p.changed = make(chan struct{})
	}
	return p.changed
}

// notifyLocked wakes those waiting for a change; p.mu is held.
func (p *pod) notifyLocked() {
	if p.changed != nil {
		close(p.changed)
		p.changed = nil
	}
}

// sidecarsReversed are the sidecars that have a supervisor, last first.
func (p *pod) sidecarsReversed() []*container {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*container
	for i := len(p.inits) - 1; i >= 0; i-- {
		if c := p.inits[i]; c.sidecar() && c.supervised {
			out = append(out, c)
		}
	}
	return out
}

// stopSidecars stops the sidecars one after the other, last first, each by the deadline.
func (p *pod) stopSidecars(deadline time.Time) {
	for _, c := range p.sidecarsReversed() {
		select {
		case c.stopAt <- deadline:
		default: // a deadline is pending already
		}
		<-c.done
	}
}

// appsFinished is called by an app container's supervisor that will not restart it: once no
// app container will run again, the sidecars are stopped (kubelet's way of letting a pod with
// sidecars complete).
func (p *pod) appsFinished() {
	p.mu.Lock()
	if p.appsDone || p.deleting || len(p.inits) == 0 || p.anyAppActiveLocked() {
		p.mu.Unlock()
		return
	}
	p.appsDone = true
	p.mu.Unlock()
	go p.stopSidecars(time.Now().Add(p.graceFor(nil)))
}

// anyAppActiveLocked: an app container runs, or has not run, or will run again.
func (p *pod) anyAppActiveLocked() bool {
	policy := p.obj.Spec.RestartPolicy
	for _, c := range p.ctrs {
		t := c.status().State.Terminated
		if c.proc != nil || t == nil || policy == corev1.RestartPolicyAlways || (policy == corev1.RestartPolicyOnFailure && t.ExitCode != 0) {
			return true
		}
	}
	return false
}
