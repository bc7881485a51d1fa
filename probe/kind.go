package probe

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Kind is what a probe decides: liveness, readiness or startup.
type Kind int

const (
	Liveness Kind = iota
	Readiness
	Startup
	numKinds
)

// String is the kubelet's name of the kind, as events show it ("Liveness probe failed: ...").
func (k Kind) String() string {
	switch k {
	case Liveness:
		return "Liveness"
	case Readiness:
		return "Readiness"
	case Startup:
		return "Startup"
	}
	return "Unknown"
}

// Field is the container field holding a probe of this kind.
func (k Kind) Field() string {
	switch k {
	case Liveness:
		return "livenessProbe"
	case Readiness:
		return "readinessProbe"
	}
	return "startupProbe"
}

// Of returns the container's probe of kind k, nil when it has none.
func Of(c *corev1.Container, k Kind) *corev1.Probe {
	switch k {
	case Liveness:
		return c.LivenessProbe
	case Readiness:
		return c.ReadinessProbe
	case Startup:
		return c.StartupProbe
	}
	return nil
}

// Has reports whether the container has any probe.
func Has(c *corev1.Container) bool {
	return c.LivenessProbe != nil || c.ReadinessProbe != nil || c.StartupProbe != nil
}

// Outcome is the result of one probe run (the kubelet's probe.Result).
type Outcome int

const (
	// Unknown: the probe could not be run (an error of podd's, a port name the container does
	// not have); the kubelet throws such a result away.
	Unknown Outcome = iota
	Success
	// Warning is a success with something to say (an HTTP redirect the probe did not follow).
	Warning
	Failure
)

func (o Outcome) String() string {
	return [...]string{"unknown", "success", "warning", "failure"}[o]
}

// Result is one probe run: its outcome, the output the kubelet puts in the events, and how
// long the check took; for a probe that opened a TCP connection, how long its (last)
// connection took to be established, as podd saw it (connect(2) to writable) and as the kernel
// did (SYN sent to ESTABLISHED; 0 when no kernel figure came).
type Result struct {
	Outcome       Outcome
	Output        string
	Took          time.Duration
	Connect       time.Duration
	KernelConnect time.Duration
}
