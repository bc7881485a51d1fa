package probe

import (
	corev1 "k8s.io/api/core/v1"
)

// The API server's defaults of a probe (pkg/apis/core/v1/defaults.go).
const (
	DefaultTimeoutSeconds   = 1
	DefaultPeriodSeconds    = 10
	DefaultSuccessThreshold = 1
	DefaultFailureThreshold = 3
)

// SetDefaults fills what the API server would: timeoutSeconds 1, periodSeconds 10,
// successThreshold 1, failureThreshold 3 (initialDelaySeconds stays 0), an httpGet's path "/"
// and scheme HTTP. A nil probe stays nil.
func SetDefaults(p *corev1.Probe) {
	if p == nil {
		return
	}
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = DefaultTimeoutSeconds
	}
	if p.PeriodSeconds == 0 {
		p.PeriodSeconds = DefaultPeriodSeconds
	}
	if p.SuccessThreshold == 0 {
		p.SuccessThreshold = DefaultSuccessThreshold
	}
	if p.FailureThreshold == 0 {
		p.FailureThreshold = DefaultFailureThreshold
	}
	if h := p.HTTPGet; h != nil {
		if h.Path == "" {
			h.Path = "/"
		}
		if h.Scheme == "" {
			h.Scheme = corev1.URISchemeHTTP
		}
	}
}

// SetContainerDefaults defaults each probe of the container.
func SetContainerDefaults(c *corev1.Container) {
	for k := Kind(0); k < numKinds; k++ {
		SetDefaults(Of(c, k))
	}
}
