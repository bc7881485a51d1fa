package runtime

import (
	"time"

	"github.com/podd/podd/internal/reaper"
	"github.com/podd/podd/podstatus"
	"github.com/podd/podd/rootfs"
	corev1 "k8s.io/api/core/v1"
)

// Restart backoff (kubelet's CrashLoopBackOff): the first restart is immediate, then 10 s
// doubling to 300 s; a container that ran 10 minutes starts over.
const (
	backoffBase  = 10 * time.Second
	backoffMax   = 300 * time.Second
	backoffReset = 10 * time.Minute
)

// supervise waits for the container to exit or be stopped, records how it ended and restarts it
// as the pod's restartPolicy says. It returns once the pod is being deleted and the container
// is gone.
func (c *container) supervise() {
	defer c.supervisorDone()
	if (c.img == nil || c.creating()) && c.neverRan() && !c.firstStart() { // volumes and image first (images.go)
		return
	}
	c.p.rt.oom.watch(c)
	defer c.p.rt.oom.unwatch(c)
	crashes := 0
	for {
		if c.proc != nil {
			c.startProbes()
			endHook := c.startPostStart()
			ran, stopped, changed := c.wait()
			endHook()
			if stopped {
				return
			}
			if changed { // a new image: restart at once, whatever the policy (update.go)
				if !c.restartAfter(0) {
					return
				}
				continue
			}
			if ran >= backoffReset {
				crashes = 0
			}
		}
		if !c.shouldRestart() {
			if !c.init {
				c.p.appsFinished()
			}
			c.waitStop()
			return
		}
		crashes++
		if !c.restartAfter(backoffDelay(crashes)) {
			return
		}
	}
}

// wait returns how long the process ran, or stopped=true when the pod is being deleted (the
// process is then killed and reaped first), or changed=true when an update changed the image
// (the process is then stopped too).
func (c *container) wait() (ran time.Duration, stopped, changed bool) {
	var respec chan *rootfs.Image // nil: never ready
	if c.restartsOnRespec() {
		respec = c.respecChan()
	}
	select {
	case e := <-c.proc.Exit:
		c.exited(e)
		return e.Time.Sub(c.startedAt), false, false
	case deadline := <-c.stopAt:
		c.exited(c.stop(deadline))
		return 0, true, false
	case img := <-respec:
		return 0, c.changedRun(img), true
	}
}

func (c *container) exited(e reaper.Exit) {
	if e.Note != "" { // a run a previous podd started: say what is known of its end
		logf("pod %s/%s: container %s (pid %d, adopted) ended, exit code %d: %s", c.p.obj.Namespace, c.p.obj.Name, c.name(), e.Pid, e.Code(), e.Note)
	}
	c.stopProbes()
	msg := c.terminationMessage(e)
	oom := false
	if n, err := c.p.rt.cg.MemoryEvents(c.cgroup()); err == nil {
		oom = n["oom_kill"] > c.oomSeen
		c.oomSeen = n["oom_kill"]
	}
	c.p.mu.Lock()
	s := c.stdio // gone with the run, in the same step: attach sees both or neither
	c.proc, c.stdio = nil, nil
	c.hookSettleLocked("")
	c.setTerminated(e, c.exitReason(e, oom))
	if msg != "" {
		c.observe(func(o podstatus.Container) podstatus.Container { o.Exit.Message = msg; return o })
	}
	c.p.updatePhase()
	c.p.mu.Unlock()
	s.end()
	c.p.save()
}

func (c *container) shouldRestart() bool {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	if c.p.obj.DeletionTimestamp != nil || c.p.evictedLocked() { // being deleted (perhaps by a restarted podd), or evicted
		return false
	}
	t := c.status().State.Terminated
	switch {
	case c.sidecar():
		return !c.p.appsDone // a sidecar restarts whatever the pod's restartPolicy
	case c.init && t != nil && t.Reason == podstatus.ReasonStatusUnknown:
		return true // adopted by a restarted podd, which cannot know how it ended: run it again
	case c.init && t != nil && t.ExitCode == 0:
		return false // done: the next one runs
	case c.init:
		return c.p.obj.Spec.RestartPolicy != corev1.RestartPolicyNever // failed: OnFailure and Always retry
	}
	switch c.p.obj.Spec.RestartPolicy {
	case corev1.RestartPolicyNever:
		return false
	case corev1.RestartPolicyOnFailure:
		return t != nil && t.ExitCode != 0
	}
	return true
}

// backoffDelay is the wait before the n-th restart in a row.
func backoffDelay(n int) time.Duration {
	if n <= 1 {
		return 0
	}
	if n-2 >= 6 {
		return backoffMax
	}
	return min(backoffBase<<(n-2), backoffMax)
}

// restartAfter waits out the backoff (CrashLoopBackOff) and starts the container again, retrying
// failed starts with the same backoff; a failed start's reason (CreateContainerError,
// RunContainerError) and message stay the Waiting state until the next try, as with kubelet.
// It returns false when the pod is deleted meanwhile.
func (c *container) restartAfter(delay time.Duration) bool {
	for startFailed := false; ; startFailed = true {
		if delay > 0 && !startFailed {
			c.setWaitingLocked("CrashLoopBackOff", "back-off "+delay.String()+" restarting failed container="+c.name())
			c.p.event(corev1.EventTypeWarning, reasonBackOff, "Back-off restarting failed container "+c.name()+" in pod "+c.p.obj.Name)
		}
		if delay > 0 {
			select {
			case <-c.stopAt:
				return false
			case <-c.p.rt.after(delay):
			case img := <-c.respecChan(): // a new image is not backed off (kubelet keys backoff by spec)
				c.img = img
			}
		}
		if c.p.evicted() { // evicted during the backoff
			c.waitStop()
			return false
		}
		if c.pullsAtStart() && !c.awaitImage() { // the pod was deleted while it pulled
			return false
		}
		if !c.awaitCapture() {
			return false
		}
		c.p.mu.Lock() // Logs and running read it under the pod's lock
		c.restarts++
		c.p.mu.Unlock()
		err := c.restart()
		if err == nil {
			crashpoint(crashRestartBeforeSave)
			c.p.mu.Lock()
			c.setRunning(time.Now())
			c.p.updatePhase()
			c.p.mu.Unlock()
			c.p.save()
			return true
		}
		c.setWaitingLocked(startReason(err), err.Error())
		delay = max(backoffBase, min(delay*2, backoffMax))
	}
}

// captureDrainBound caps how long a restart waits for the ended run's log capture (a process
// the run left may hold its pipes: its later output still goes to the ended run's file).
var captureDrainBound = logDrainBound

// awaitCapture waits until the ended run's log capture wrote what its pipes still held, so that
// once the next run counts, `logs --previous` shows the whole of the ended one (the kubelet's
// runtime reports an exit once the output is copied). False when the pod is being deleted.
func (c *container) awaitCapture() bool {
	c.p.mu.Lock()
	l := c.log
	c.p.mu.Unlock()
	if l == nil {
		return true
	}
	select {
	case <-l.done:
	case <-c.stopAt:
		return false
	case <-time.After(captureDrainBound):
	}
	return true
}

func (c *container) setWaitingLocked(reason, msg string) {
	c.p.mu.Lock()
	c.setWaiting(reason, msg)
	c.p.updatePhase()
	c.p.mu.Unlock()
	c.p.save()
}

// waitStop parks a container that will not restart until the pod is deleted.
func (c *container) waitStop() { <-c.stopAt }

// restart is a new run: create then start, as kubelet makes a new container for each.
func (c *container) restart() error {
	c.takeRespec()
	if c.img == nil { // a recovered container whose image has gone since
		img, err := c.p.rt.images.Resolve(c.spec.Image)
		if err != nil {
			return err
		}
		c.setImage(img)
	}
	if err := c.create(); err != nil {
		c.closeLog()
		return err
	}
	return c.start()
}
