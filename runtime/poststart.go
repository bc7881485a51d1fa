package runtime

import (
	"github.com/podd/podd/podstatus"
)

// postStart ordering, kubelet's way: the kubelet starts a pod's containers one after the other
// and runs each one's postStart hook inside its start, so a hook holds back the start of the
// next container, and a native sidecar counts as started only once its hook returned (besides
// its startupProbe). podd starts a pod's app containers all at once, which is faster (apply of
// a 2-container pod), and orders them only where it shows: when an app container other than the
// last has a postStart hook, the app containers are started by the initializer (as after init
// containers: the apply returns once the sandbox runs, the containers wait ContainerCreating),
// each after the previous one's hook ended. A hook that fails, or a start that fails, lets the
// next container start (kubelet's start loop goes on), the failed one restarting by its policy.

// hookState is where the postStart hook of a container's current run is (p.mu guards it).
type hookState uint8

const (
	hookNone    hookState = iota // no hook awaited (none, done, or an adopted run)
	hookRunning                  // the run's hook is due or running
	hookFailed                   // the hook failed, the run ended, or the start failed
)

func (c *container) hasPostStart() bool { return c.lifecycle().PostStart != nil }

// orderedStart: an app container's postStart must hold back a later one's start.
func (p *pod) orderedStart() bool {
	for _, c := range p.ctrs[:max(len(p.ctrs)-1, 0)] {
		if c.hasPostStart() {
			return true
		}
	}
	return false
}

// appNeverRan: an app container has not run yet (a restarted podd continues an ordered start).
func (p *pod) appNeverRan() bool {
	for _, c := range p.ctrs {
		if c.neverRan() {
			return true
		}
	}
	return false
}

// setHookLocked moves c's hook state and wakes those waiting on the pod; p.mu is held.
func (c *container) setHookLocked(s hookState) {
	if c.hook != s {
		c.hook = s
		c.p.notifyLocked()
	}
}

// hookPending marks c's coming start as one whose hook is awaited, before its supervisor runs.
func (c *container) hookPending() {
	if !c.hasPostStart() {
		return
	}
	c.p.mu.Lock()
	c.setHookLocked(hookRunning)
	c.p.mu.Unlock()
}

// hookSettleLocked ends a wait for the hook that will not come: a run ended or a start failed
// (a Waiting reason other than the creation's own); p.mu is held.
func (c *container) hookSettleLocked(waiting string) {
	if c.hook == hookRunning && waiting != podstatus.ReasonContainerCreating && waiting != podstatus.ReasonPodInitializing {
		c.setHookLocked(hookFailed)
	}
}

// awaitPostStart waits until c's first start settled: its hook returned, or failed, or there is
// no run to hook; false when the pod is being deleted.
func (p *pod) awaitPostStart(c *container) bool {
	return p.waitUntil(func() (bool, bool) { return true, c.hook != hookRunning }, c.done)
}
