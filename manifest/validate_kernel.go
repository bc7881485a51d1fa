package manifest

import (
	"fmt"
	"math"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Bounds of the values that reach the kernel, checked here so that a pod past them is refused
// with its field named instead of failing to start with an opaque errno.
const (
	// MaxGracePeriodSeconds is the longest grace period a time.Duration can hold (~292 years).
	MaxGracePeriodSeconds = math.MaxInt64 / int64(time.Second)

	// MaxArgStrlen is the kernel's MAX_ARG_STRLEN: execve refuses (E2BIG) any argument or
	// environment string ("NAME=value") of this many bytes or more, its NUL included.
	MaxArgStrlen = 32 * 4096

	// MaxArgEnvBytes bounds command, args and env of a container together (each string with
	// its NUL and its 8-byte pointer). execve allows a quarter of RLIMIT_STACK: 2 MiB under the
	// default 8 MiB stack limit; half of that is left for the image's environment and
	// entrypoint, and the variables podd adds.
	MaxArgEnvBytes = 1 << 20

	// MaxCPULimitMilli is the largest cpu limit cpu.max can express: podd writes a quota of
	// milli*100 µs per 100000 µs period, and the kernel refuses (EINVAL) a quota above
	// max_cfs_runtime, MAX_BW = 2^44-1 µs (kernel/sched/core.c, tg_set_cfs_bandwidth), about
	// 175.9 million CPUs.
	MaxCPULimitMilli = (1<<44 - 1) / 100

	// MinMemoryLimit is the smallest memory limit accepted: 6 MiB, Docker's minimum
	// (linuxMinMemory). podd-nsinit is cloned straight into the container's cgroup and its Go
	// runtime, stack and page tables are charged there before execve: below a few MiB the
	// container would be OOM-killed before it runs, reported as an obscure start failure.
	// Measured in the VM tier: memory.peak of a Go container (testapp sleep) 4.6 MiB, of
	// busybox sh 3.0 MiB, both running at 6Mi without an OOM event.
	MinMemoryLimit = 6 << 20
)

// validateProcess checks what becomes the execve of a container: no NUL byte (a C string ends
// there, Go refuses it with EINVAL), each string ("NAME=value" for env) under MAX_ARG_STRLEN,
// all of them together under MaxArgEnvBytes.
func validateProcess(c *corev1.Container, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	total := 0
	// check counts s and checks value (s, or the value part of an env string); path is built
	// only for an error, as lists may be long.
	check := func(s, value string, path func() *field.Path) {
		total += len(s) + 1 + 8
		if strings.IndexByte(value, 0) >= 0 {
			errs = append(errs, validateNoNUL(value, path())...)
		}
		if len(s)+1 > MaxArgStrlen {
			errs = append(errs, field.TooLong(path(), field.OmitValueType{}, MaxArgStrlen-1))
		}
	}
	for i, s := range c.Command {
		check(s, s, func() *field.Path { return p.Child("command").Index(i) })
	}
	for i, s := range c.Args {
		check(s, s, func() *field.Path { return p.Child("args").Index(i) })
	}
	for i, e := range c.Env { // a NUL in a name is refused by validateEnv
		check(e.Name+"="+e.Value, e.Value, func() *field.Path { return p.Child("env").Index(i).Child("value") })
	}
	errs = append(errs, validateNoNUL(c.WorkingDir, p.Child("workingDir"))...)
	if total > MaxArgEnvBytes {
		errs = append(errs, field.Invalid(p, field.OmitValueType{}, fmt.Sprintf(
			"command, args and env take %d bytes together, more than the %d bytes podd allows (execve would fail with E2BIG)",
			total, MaxArgEnvBytes)))
	}
	return errs
}

// validateNoNUL refuses a string with a NUL byte: the kernel takes paths and arguments as C
// strings.
func validateNoNUL(s string, p *field.Path) field.ErrorList {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return field.ErrorList{field.Invalid(p, shorten(s), fmt.Sprintf("must not contain a NUL byte (found at byte %d)", i))}
	}
	return nil
}

// shorten keeps error messages readable when the value is long.
func shorten(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

var (
	maxCPULimit    = resource.NewMilliQuantity(MaxCPULimitMilli, resource.DecimalSI)
	minMemoryLimit = resource.NewQuantity(MinMemoryLimit, resource.BinarySI)
	maxMemoryLimit = resource.NewQuantity(math.MaxInt64, resource.BinarySI)
)

// validateLimitRange checks limits against what cpu.max and memory.max can hold. A zero
// limit means none (as in the kubelet) and is not checked.
func validateLimitRange(limits corev1.ResourceList, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if q, ok := limits[corev1.ResourceCPU]; ok && q.Cmp(*maxCPULimit) > 0 {
		errs = append(errs, field.Invalid(p.Child("cpu"), q.String(), fmt.Sprintf(
			"must be at most %s: the kernel refuses a larger cpu.max quota", maxCPULimit)))
	}
	q, ok := limits[corev1.ResourceMemory]
	switch {
	case !ok || q.Sign() <= 0:
	case q.Cmp(*minMemoryLimit) < 0:
		errs = append(errs, field.Invalid(p.Child("memory"), q.String(), fmt.Sprintf(
			"must be at least %s (%d bytes): a container cannot start in less", minMemoryLimit, MinMemoryLimit)))
	case q.Cmp(*maxMemoryLimit) > 0:
		errs = append(errs, field.Invalid(p.Child("memory"), q.String(), fmt.Sprintf(
			"must be at most %d bytes", int64(math.MaxInt64))))
	}
	return errs
}

// validatePodCPULimit checks the pod's cpu.max: the sum of its containers' cpu limits, when
// each has one, must fit too.
func validatePodCPULimit(containers []corev1.Container, p *field.Path) field.ErrorList {
	total := resource.Quantity{}
	for i := range containers {
		q, ok := containers[i].Resources.Limits[corev1.ResourceCPU]
		if !ok || q.Cmp(*maxCPULimit) > 0 {
			return nil // unlimited, or already reported on the container
		}
		total.Add(q)
	}
	if total.Cmp(*maxCPULimit) > 0 {
		return field.ErrorList{field.Invalid(p, field.OmitValueType{}, fmt.Sprintf(
			"the cpu limits add up to %s, more than the %s the pod's cpu.max can hold", total.String(), maxCPULimit))}
	}
	return nil
}

// validateGrace checks an optional grace period: from 0 to what a time.Duration holds.
func validateGrace(v *int64, p *field.Path) field.ErrorList {
	if v != nil && *v > MaxGracePeriodSeconds {
		return field.ErrorList{field.Invalid(p, *v, fmt.Sprintf("must be at most %d", MaxGracePeriodSeconds))}
	}
	return validateNonNegative(v, p)
}
