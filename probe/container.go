package probe

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Container is the probes' state over one run of a container: each restart starts a new one,
// as the kubelet's workers reset on a new container ID. It is not safe for concurrent use: the
// caller serializes Due and Record (Prober does).
type Container struct {
	name      string
	startedAt time.Time
	workers   [numKinds]*worker
}

// NewContainer is the probes of a run of spec (defaulted) that started at startedAt.
func NewContainer(spec *corev1.Container, startedAt time.Time) *Container {
	c := &Container{name: spec.Name, startedAt: startedAt}
	for k := Kind(0); k < numKinds; k++ {
		if p := Of(spec, k); p != nil {
			c.workers[k] = newWorker(k, p)
		}
	}
	return c
}

// Started is the container's `started`: its startup probe succeeded, or it has none.
func (c *Container) Started() bool {
	w := c.workers[Startup]
	return w == nil || w.result == Success
}

// Ready is the container's `ready`: started, and its readiness probe's last verdict was
// success (or it has none).
func (c *Container) Ready() bool {
	w := c.workers[Readiness]
	return c.Started() && (w == nil || w.result == Success)
}

// Due reports whether the probe of kind k runs at now: not before initialDelaySeconds (counted
// in whole seconds since the run started, as the kubelet does), startup only until the
// container started, liveness and readiness only once it has, none on hold.
func (c *Container) Due(k Kind, now time.Time) bool {
	w := c.workers[k]
	if w == nil || w.onHold {
		return false
	}
	if int32(now.Sub(c.startedAt).Seconds()) < w.spec.InitialDelaySeconds {
		return false
	}
	return c.Started() == (k != Startup)
}

// Event is an event the kubelet records about a probe.
type Event struct {
	Type, Reason, Message string
}

// Kubelet's event reasons for probes.
const (
	ReasonUnhealthy    = "Unhealthy"
	ReasonProbeWarning = "ProbeWarning"
	ReasonKilling      = "Killing"
)

// Decision is what one probe result means for the container.
type Decision struct {
	Event   *Event // Unhealthy or ProbeWarning; nil for a plain success
	Changed bool   // Started or Ready may have changed
	// Restart: a liveness or startup probe failed failureThreshold times; Killing is the
	// event to record as the container is killed.
	Restart bool
	Killing Event
}

// Record applies one result of the probe of kind k (the kubelet's prober.probe then
// worker.doProbe): an Unknown result (the probe errored) is only reported, a Warning counts
// as a success.
func (c *Container) Record(k Kind, r Result) Decision {
	var d Decision
	o := r.Outcome
	switch o {
	case Unknown:
		return Decision{Event: &Event{corev1.EventTypeWarning, ReasonUnhealthy, fmt.Sprintf("%s probe errored: %s", k, r.Output)}}
	case Failure:
		d.Event = &Event{corev1.EventTypeWarning, ReasonUnhealthy, fmt.Sprintf("%s probe failed: %s", k, r.Output)}
	case Warning:
		d.Event = &Event{corev1.EventTypeWarning, ReasonProbeWarning, fmt.Sprintf("%s probe warning: %s", k, r.Output)}
		o = Success
	}
	w := c.workers[k]
	if w == nil {
		return d
	}
	d.Changed, d.Restart = w.observe(o)
	if d.Restart {
		d.Killing = Event{corev1.EventTypeNormal, ReasonKilling,
			fmt.Sprintf("Container %s failed %s probe, will be restarted", c.name, kindLower(k))}
	}
	return d
}

func kindLower(k Kind) string {
	return map[Kind]string{Liveness: "liveness", Readiness: "readiness", Startup: "startup"}[k]
}
