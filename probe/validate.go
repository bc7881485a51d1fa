package probe

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidateContainer checks the container's probes with the API server's rules and messages
// (pkg/apis/core/validation: validateLivenessProbe, validateReadinessProbe,
// validateStartupProbe); p is the container's path.
func ValidateContainer(c *corev1.Container, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for k := Kind(0); k < numKinds; k++ {
		errs = append(errs, Validate(k, Of(c, k), p.Child(k.Field()))...)
	}
	return errs
}

// Validate checks one probe of kind k at path p; a nil probe is valid.
func Validate(k Kind, pr *corev1.Probe, p *field.Path) field.ErrorList {
	if pr == nil {
		return nil
	}
	errs := validateHandler(&pr.ProbeHandler, p)
	for _, f := range []struct {
		name string
		v    int32
	}{
		{"initialDelaySeconds", pr.InitialDelaySeconds}, {"timeoutSeconds", pr.TimeoutSeconds},
		{"periodSeconds", pr.PeriodSeconds}, {"successThreshold", pr.SuccessThreshold},
		{"failureThreshold", pr.FailureThreshold},
	} {
		if f.v < 0 {
			errs = append(errs, field.Invalid(p.Child(f.name), int64(f.v), "must be greater than or equal to 0"))
		}
	}
	if g := pr.TerminationGracePeriodSeconds; g != nil && *g <= 0 {
		errs = append(errs, field.Invalid(p.Child("terminationGracePeriodSeconds"), *g, "must be greater than 0"))
	}
	switch {
	case k == Readiness && pr.TerminationGracePeriodSeconds != nil:
		errs = append(errs, field.Invalid(p.Child("terminationGracePeriodSeconds"), *pr.TerminationGracePeriodSeconds,
			"must not be set for readinessProbes"))
	case k != Readiness && pr.SuccessThreshold != 1:
		errs = append(errs, field.Invalid(p.Child("successThreshold"), pr.SuccessThreshold, "must be 1"))
	}
	return errs
}

// validateHandler checks that exactly one handler is given, and that one.
func validateHandler(h *corev1.ProbeHandler, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	n := 0
	one := func(name string, set bool, check func(*field.Path) field.ErrorList) {
		if !set {
			return
		}
		if n++; n > 1 {
			errs = append(errs, field.Forbidden(p.Child(name), "may not specify more than 1 handler type"))
			return
		}
		errs = append(errs, check(p.Child(name))...)
	}
	one("exec", h.Exec != nil, func(p *field.Path) field.ErrorList {
		if len(h.Exec.Command) == 0 {
			return field.ErrorList{field.Required(p.Child("command"), "")}
		}
		return nil
	})
	one("httpGet", h.HTTPGet != nil, func(p *field.Path) field.ErrorList { return validateHTTPGet(h.HTTPGet, p) })
	one("tcpSocket", h.TCPSocket != nil, func(p *field.Path) field.ErrorList {
		return validatePort(h.TCPSocket.Port, p.Child("port"))
	})
	one("grpc", h.GRPC != nil, func(p *field.Path) field.ErrorList {
		return validatePort(intstr.FromInt32(h.GRPC.Port), p.Child("port"))
	})
	if n == 0 {
		errs = append(errs, field.Required(p, "must specify a handler type"))
	}
	return errs
}

var schemes = []string{string(corev1.URISchemeHTTP), string(corev1.URISchemeHTTPS)}

func validateHTTPGet(h *corev1.HTTPGetAction, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if h.Path == "" {
		errs = append(errs, field.Required(p.Child("path"), ""))
	}
	errs = append(errs, validatePort(h.Port, p.Child("port"))...)
	if h.Scheme != corev1.URISchemeHTTP && h.Scheme != corev1.URISchemeHTTPS {
		errs = append(errs, field.NotSupported(p.Child("scheme"), h.Scheme, schemes))
	}
	for _, hdr := range h.HTTPHeaders {
		for _, msg := range validation.IsHTTPHeaderName(hdr.Name) {
			errs = append(errs, field.Invalid(p.Child("httpHeaders"), hdr.Name, msg))
		}
	}
	return errs
}

// validatePort is the API server's ValidatePortNumOrName.
func validatePort(port intstr.IntOrString, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if port.Type == intstr.Int {
		for _, msg := range validation.IsValidPortNum(port.IntValue()) {
			errs = append(errs, field.Invalid(p, port.IntValue(), msg))
		}
		return errs
	}
	for _, msg := range validation.IsValidPortName(port.StrVal) {
		errs = append(errs, field.Invalid(p, port.StrVal, msg))
	}
	return errs
}
