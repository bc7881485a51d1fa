package runtime

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/podd/podd/nsinit"
	"github.com/podd/podd/probe"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
)

// Lifecycle hooks, kubelet's way: postStart runs as the run begins, beside it (a failure is
// a FailedPostStartHook event and kills the run, which the restart policy then restarts);
// preStop runs first when the container is stopped, within the grace period, and a failure
// is a FailedPreStopHook event that does not stop the stop. Handlers: exec (the exec path of
// `podctl exec`), httpGet (dialled from the pod's network namespace by the probes' dialer)
// and sleep.
const (
	reasonFailedPostStartHook = "FailedPostStartHook"
	reasonFailedPreStopHook   = "FailedPreStopHook"
	// minGraceAfterPreStop is the least time a container gets after its preStop hook before
	// SIGKILL (kubelet's minimumGracePeriodInSeconds).
	minGraceAfterPreStop = 2 * time.Second
)

func (c *container) lifecycle() *corev1.Lifecycle {
	if c.spec.Lifecycle == nil {
		return &corev1.Lifecycle{}
	}
	return c.spec.Lifecycle
}

// runHook runs handler h against the run of process pid until it ends or ctx does; the error
// reads as kubelet's event message.
func (c *container) runHook(ctx context.Context, h *corev1.LifecycleHandler, pid int) error {
	var err error
	kind, what := "", ""
	switch {
	case h.Exec != nil:
		kind, what = "Exec", fmt.Sprint(h.Exec.Command)
		err = c.execHook(ctx, h.Exec.Command, pid)
	case h.HTTPGet != nil:
		kind, what = "HTTP", h.HTTPGet.Path
		err = c.httpHook(ctx, h.HTTPGet)
	case h.Sleep != nil:
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(h.Sleep.Seconds) * time.Second):
		}
		return nil
	default:
		return errors.New("lifecycle hook: no handler")
	}
	if err != nil {
		return fmt.Errorf("%s lifecycle hook (%s) for Container %q in Pod %q failed - error: %w", kind, what, c.name(),
			c.p.obj.Name+"_"+c.p.obj.Namespace+"("+c.p.uid()+")", err)
	}
	return nil
}

// execHook runs cmd in the container, its output capped as an exec probe's.
func (c *container) execHook(ctx context.Context, cmd []string, pid int) error {
	out := &cappedBuffer{max: 10 << 10}
	env, err := c.env()
	if err != nil {
		return err
	}
	spec := nsinit.ExecSpec{Args: cmd, Env: env, Dir: firstNonEmpty(c.spec.WorkingDir, c.img.Config.WorkingDir),
		Stdout: out, Stderr: out}
	h, err := c.p.rt.startExec(c, pid, spec)
	if err != nil {
		return err
	}
	if leader, ok := h.(interface{ Pid() int }); ok {
		defer context.AfterFunc(ctx, func() { killSession(c.cgroup(), leader.Pid()) })()
	}
	if code := h.Wait(ctx); code != 0 {
		return fmt.Errorf("command '%s' exited with %d: %s, message: %q", strings.Join(cmd, " "), code, out.bytes(), out.bytes())
	}
	return nil
}

// httpHook GETs the handler's URL from the pod's network namespace. As kubelet's, only a
// request that gets no answer fails: any status code is an answer.
func (c *container) httpHook(ctx context.Context, g *corev1.HTTPGetAction) error {
	pr := c.p.rt.probing
	if pr == nil {
		return errors.New("no prober")
	}
	netns, err := pr.openNetNS(c)
	if err != nil {
		return err
	}
	if netns != nil {
		defer netns.Close()
	}
	c.p.mu.Lock()
	ip := c.p.obj.Status.PodIP
	c.p.mu.Unlock()
	timeout := int32(3600) // bounded by ctx
	if d, ok := ctx.Deadline(); ok {
		timeout = int32(max(time.Until(d)/time.Second, 0) + 1)
	}
	p := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: g}, TimeoutSeconds: timeout}
	t := &probe.Target{NetNS: netns, PodIP: ip, Container: c.spec}
	r := pr.dialer.Checker(p, t).Check(ctx, t)
	if r.Outcome == probe.Success || r.Outcome == probe.Warning || strings.HasPrefix(r.Output, "HTTP probe failed with statuscode") {
		return nil
	}
	return errors.New(r.Output)
}

// startPostStart runs the postStart hook of a run podd just started (not of an adopted one),
// beside it; a failure kills the run. The returned cancel ends the hook (the run ended).
func (c *container) startPostStart() (cancel func()) {
	h := c.lifecycle().PostStart
	c.p.mu.Lock()
	proc, due := c.proc, c.hookDue
	c.hookDue = false
	c.p.mu.Unlock()
	if h == nil || !due || proc == nil {
		c.p.mu.Lock()
		if c.proc == proc { // an adopted run: no hook to wait for
			c.setHookLocked(hookNone)
		}
		c.p.mu.Unlock()
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		err := c.runHook(ctx, h, proc.Pid)
		c.p.mu.Lock()
		defer c.p.mu.Unlock()
		if c.proc != proc { // the run ended (exited settled the hook's wait)
			return
		}
		if err == nil {
			c.setHookLocked(hookNone)
			return
		}
		c.setHookLocked(hookFailed)
		if ctx.Err() != nil || c.p.deleting {
			return
		}
		c.p.eventLocked(corev1.EventTypeWarning, reasonFailedPostStartHook, err.Error())
		c.p.eventLocked(corev1.EventTypeNormal, reasonKilling, "FailedPostStartHook")
		if kerr := c.p.rt.cg.Kill(c.cgroup()); kerr != nil {
			_ = c.p.rt.procs.signal(proc.Pid, unix.SIGKILL)
		}
	}()
	return cancel
}

// preStop runs the preStop hook until it ends or the deadline passes (a later, shorter
// delete moves it closer); it returns the deadline, moved to at least 2 s after the hook. A
// deadline already passed (a forced delete) runs no hook.
func (c *container) preStop(deadline time.Time) time.Time {
	return c.preStopOf(c.proc.Pid, deadline, c.stopAt)
}

// preStopOf is preStop for the run whose process is pid, its deadline moved by stopAt (nil:
// fixed).
func (c *container) preStopOf(pid int, deadline time.Time, stopAt <-chan time.Time) time.Time {
	h := c.lifecycle().PreStop
	if h == nil || !time.Now().Before(deadline) {
		return deadline
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.runHook(ctx, h, pid) }()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		select {
		case err := <-done:
			if err != nil && ctx.Err() == nil {
				c.p.event(corev1.EventTypeWarning, reasonFailedPreStopHook, err.Error())
			}
			return latest(deadline, time.Now().Add(minGraceAfterPreStop))
		case <-timer.C:
			cancel() // the hook's time is up; it gets the 2 s too
		case d := <-stopAt:
			if d.Before(deadline) {
				deadline = d
				timer.Reset(time.Until(d))
				if !time.Now().Before(d) { // forced: no more grace
					cancel()
					<-done
					return d
				}
			}
		}
	}
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// stopSignal is lifecycle.stopSignal, else SIGTERM.
func (c *container) stopSignal() unix.Signal {
	if s := c.lifecycle().StopSignal; s != nil {
		if n := unix.SignalNum(string(*s)); n != 0 {
			return n
		}
	}
	return unix.SIGTERM
}
