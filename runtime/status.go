package runtime

import (
	"fmt"
	"time"

	"github.com/podd/podd/internal/reaper"
	"github.com/podd/podd/podstatus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The status is derived by package podstatus from what podd observed; the methods here record
// observations. The recorded status is the only copy of them (podstatus.Observed reads them
// back), so a restarted podd starts from its record. All happen with p.mu held.

func (p *pod) initStatuses() {
	st := &p.obj.Status
	st.ContainerStatuses = make([]corev1.ContainerStatus, len(p.ctrs))
	st.InitContainerStatuses = nil
	if len(p.inits) > 0 {
		st.InitContainerStatuses = make([]corev1.ContainerStatus, len(p.inits))
	}
	for _, c := range p.all() {
		*c.status() = podstatus.ContainerStatus(c.spec, podstatus.Container{State: podstatus.Creating, Reason: p.creatingReason()})
	}
}

// creatingReason is kubelet's waiting reason of a container not started yet.
func (p *pod) creatingReason() string {
	if len(p.inits) > 0 {
		return podstatus.ReasonPodInitializing
	}
	return podstatus.ReasonContainerCreating
}

func (c *container) status() *corev1.ContainerStatus {
	if c.init {
		return &c.p.obj.Status.InitContainerStatuses[c.idx]
	}
	return &c.p.obj.Status.ContainerStatuses[c.idx]
}

// observe applies one observation to the container's status.
func (c *container) observe(change func(podstatus.Container) podstatus.Container) {
	*c.status() = podstatus.ContainerStatus(c.spec, change(podstatus.Observed(*c.status())))
}

func (c *container) setRunning(at time.Time) {
	id := fmt.Sprintf("podd://%s/%s/%d", c.p.uid(), c.spec.Name, c.proc.Pid)
	c.observe(func(o podstatus.Container) podstatus.Container {
		return o.Run(at, id, c.img.Ref(), c.restarts).Probed(initialVerdict(c)) // not ready before the probes say so
	})
	if c.p.obj.Status.StartTime == nil {
		t := metav1.NewTime(at)
		c.p.obj.Status.StartTime = &t
	}
}

// setTerminated records an exit; reason is exitReason's (or ContainerStatusUnknown).
func (c *container) setTerminated(e reaper.Exit, reason string) {
	c.observe(func(o podstatus.Container) podstatus.Container { return o.End(exitOf(e, reason)) })
}

func (c *container) setWaiting(reason, msg string) {
	c.hookSettleLocked(reason)
	c.observe(func(o podstatus.Container) podstatus.Container { return o.Wait(reason, msg, c.restarts) })
}

// exitReason is kubelet's (podstatus.ExitReason).
func (c *container) exitReason(e reaper.Exit, oom bool) string {
	x := exitOf(e, "")
	x.OOMKilled = oom
	return podstatus.ExitReason(x)
}

// exitOf is the observation of an exit whose reason is known.
func exitOf(e reaper.Exit, reason string) podstatus.Exit {
	x := podstatus.Exit{Code: int32(e.Code()), FinishedAt: e.Time, OOMKilled: reason == podstatus.ReasonOOMKilled,
		Lost: e.Unknown || reason == podstatus.ReasonStatusUnknown}
	if !e.Unknown && e.Status.Signaled() {
		x.Signal = int32(e.Status.Signal())
	}
	return x
}

// updatePhase derives the whole pod status (phase, conditions, QoS) from the observations.
func (p *pod) updatePhase() {
	p.obj.Status = podstatus.Generate(p.obj, p.observed(), time.Now())
	p.notifyLocked()
}

// observed reads the pod's observations back from its status.
func (p *pod) observed() podstatus.Pod {
	st := &p.obj.Status
	o := podstatus.Pod{SandboxReady: p.ns != nil}
	if st.StartTime != nil {
		o.StartTime = st.StartTime.Time
	}
	for _, ip := range st.PodIPs {
		o.PodIPs = append(o.PodIPs, ip.IP)
	}
	if len(o.PodIPs) == 0 && st.PodIP != "" {
		o.PodIPs = []string{st.PodIP}
	}
	if p.evictedLocked() {
		o.Eviction = &podstatus.Eviction{Reason: st.Reason, Message: st.Message}
	}
	for _, cs := range st.ContainerStatuses {
		o.Containers = append(o.Containers, podstatus.Observed(cs))
	}
	for _, cs := range st.InitContainerStatuses {
		o.InitContainers = append(o.InitContainers, podstatus.Observed(cs))
	}
	return o
}
