package manifest

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Init containers, lifecycle hooks and the stop signal: the API server's checks of what podd
// runs (runtime/initcontainers.go, runtime/hooks.go).

const notSidecar = "may not be set for init containers without restartPolicy=Always"

// validateInitContainers checks the init containers as containers, with their own rules: a
// restartPolicy may only be Always (a sidecar); probes and lifecycle hooks only on sidecars;
// names unique across init and app containers.
func validateInitContainers(spec *corev1.PodSpec, volumes map[string]bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for _, c := range spec.Containers {
		seen[c.Name] = true
	}
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		ip := p.Index(i)
		errs = append(errs, validateContainer(c, volumes, ip)...)
		if c.Name != "" && seen[c.Name] {
			errs = append(errs, field.Duplicate(ip.Child("name"), c.Name))
		}
		seen[c.Name] = true
		errs = append(errs, validateInitOnly(c, ip)...)
	}
	return errs
}

func validateInitOnly(c *corev1.Container, p *field.Path) field.ErrorList {
	if c.RestartPolicy != nil {
		if *c.RestartPolicy != corev1.ContainerRestartPolicyAlways {
			return field.ErrorList{field.NotSupported(p.Child("restartPolicy"), *c.RestartPolicy,
				[]corev1.ContainerRestartPolicy{corev1.ContainerRestartPolicyAlways})}
		}
		return nil
	}
	var errs field.ErrorList
	for name, set := range map[string]bool{"lifecycle": c.Lifecycle != nil, "livenessProbe": c.LivenessProbe != nil,
		"readinessProbe": c.ReadinessProbe != nil, "startupProbe": c.StartupProbe != nil} {
		if set {
			errs = append(errs, field.Forbidden(p.Child(name), notSidecar))
		}
	}
	slices.SortFunc(errs, func(a, b *field.Error) int { return compareStrings(a.Field, b.Field) })
	return errs
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// stopSignals are the signals lifecycle.stopSignal may name (the API's Linux list, minus the
// real-time ones).
var stopSignals = []corev1.Signal{"SIGABRT", "SIGALRM", "SIGBUS", "SIGCHLD", "SIGCLD", "SIGCONT", "SIGFPE",
	"SIGHUP", "SIGILL", "SIGINT", "SIGIO", "SIGIOT", "SIGKILL", "SIGPIPE", "SIGPOLL", "SIGPROF", "SIGPWR",
	"SIGQUIT", "SIGSEGV", "SIGSTKFLT", "SIGSTOP", "SIGSYS", "SIGTERM", "SIGTRAP", "SIGTSTP", "SIGTTIN",
	"SIGTTOU", "SIGURG", "SIGUSR1", "SIGUSR2", "SIGVTALRM", "SIGWINCH", "SIGXCPU", "SIGXFSZ"}

// validateLifecycle checks the hooks (one handler each) and the stop signal.
func validateLifecycle(l *corev1.Lifecycle, p *field.Path) field.ErrorList {
	if l == nil {
		return nil
	}
	var errs field.ErrorList
	if l.PostStart != nil {
		errs = append(errs, validateHook(l.PostStart, p.Child("postStart"))...)
	}
	if l.PreStop != nil {
		errs = append(errs, validateHook(l.PreStop, p.Child("preStop"))...)
	}
	if l.StopSignal != nil && !slices.Contains(stopSignals, *l.StopSignal) {
		errs = append(errs, field.NotSupported(p.Child("stopSignal"), *l.StopSignal, stopSignals))
	}
	return errs
}

func validateHook(h *corev1.LifecycleHandler, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	n := 0
	if h.Exec != nil {
		n++
		if len(h.Exec.Command) == 0 {
			errs = append(errs, field.Required(p.Child("exec", "command"), ""))
		}
	}
	if h.HTTPGet != nil {
		n++
		errs = append(errs, validateHookHTTPGet(h.HTTPGet, p.Child("httpGet"))...)
	}
	if h.Sleep != nil {
		n++
		if h.Sleep.Seconds < 0 {
			errs = append(errs, field.Invalid(p.Child("sleep", "seconds"), h.Sleep.Seconds, "must be greater than or equal to 0"))
		}
	}
	switch {
	case n == 0:
		errs = append(errs, field.Required(p, "must specify a handler type"))
	case n > 1:
		errs = append(errs, field.Forbidden(p, "may not specify more than 1 handler type"))
	}
	return errs
}

func validateHookHTTPGet(g *corev1.HTTPGetAction, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if g.Port.Type == intstr.Int {
		for _, msg := range validation.IsValidPortNum(g.Port.IntValue()) {
			errs = append(errs, field.Invalid(p.Child("port"), g.Port.IntValue(), msg))
		}
	} else {
		for _, msg := range validation.IsValidPortName(g.Port.StrVal) {
			errs = append(errs, field.Invalid(p.Child("port"), g.Port.StrVal, msg))
		}
	}
	errs = append(errs, validateEnum(g.Scheme, p.Child("scheme"), corev1.URISchemeHTTP, corev1.URISchemeHTTPS)...)
	for _, hdr := range g.HTTPHeaders {
		for _, msg := range validation.IsHTTPHeaderName(hdr.Name) {
			errs = append(errs, field.Invalid(p.Child("httpHeaders"), hdr.Name, msg))
		}
	}
	return errs
}

// setLifecycleDefaults is the API server's for the hooks' httpGet: path "/", scheme HTTP.
func setLifecycleDefaults(l *corev1.Lifecycle) {
	if l == nil {
		return
	}
	for _, h := range []*corev1.LifecycleHandler{l.PostStart, l.PreStop} {
		if h == nil || h.HTTPGet == nil {
			continue
		}
		if h.HTTPGet.Path == "" {
			h.HTTPGet.Path = "/"
		}
		if h.HTTPGet.Scheme == "" {
			h.HTTPGet.Scheme = corev1.URISchemeHTTP
		}
	}
}

// validateActiveDeadline: at least 1 s when set.
func validateActiveDeadline(v *int64, p *field.Path) field.ErrorList {
	if v != nil && *v < 1 {
		return field.ErrorList{field.Invalid(p, *v, "must be greater than or equal to 1")}
	}
	return nil
}
