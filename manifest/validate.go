package manifest

import (
	"maps"
	"path"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Validate returns nil or an error listing every problem, each as
// "<field path>: <reason>", e.g.
// `spec.containers[1].name: Duplicate value: "web"`. The error is an
// *Error. Validate expects a defaulted pod (see SetDefaults); it checks
// values, while Decode also rejects fields podd does not implement.
func Validate(pod *corev1.Pod) error {
	return newError(validatePod(pod, nil))
}

// validatePod validates pod found at path p (nil at the top).
func validatePod(pod *corev1.Pod, p *field.Path) field.ErrorList {
	errs := validateMeta(&pod.ObjectMeta, p.Child("metadata"))
	return append(errs, validateSpec(&pod.Spec, p.Child("spec"))...)
}

func validateMeta(meta *metav1.ObjectMeta, p *field.Path) field.ErrorList {
	errs := validateName(meta.Name, validation.IsDNS1123Subdomain, p.Child("name"))
	errs = append(errs, validateName(meta.Namespace, validation.IsDNS1123Label, p.Child("namespace"))...)
	errs = append(errs, validateLabels(meta.Labels, p.Child("labels"))...)
	return append(errs, validateAnnotations(meta.Annotations, p.Child("annotations"))...)
}

// validateName checks a required name with one of the IsDNS1123 functions.
func validateName(name string, check func(string) []string, p *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	var errs field.ErrorList
	for _, msg := range check(name) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	return errs
}

func validateLabels(labels map[string]string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, key := range slices.Sorted(maps.Keys(labels)) {
		for _, msg := range validation.IsQualifiedName(key) {
			errs = append(errs, field.Invalid(p, key, msg))
		}
		for _, msg := range validation.IsValidLabelValue(labels[key]) {
			errs = append(errs, field.Invalid(p.Key(key), labels[key], msg))
		}
	}
	return errs
}

func validateAnnotations(annotations map[string]string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, key := range slices.Sorted(maps.Keys(annotations)) {
		for _, msg := range validation.IsQualifiedName(strings.ToLower(key)) {
			errs = append(errs, field.Invalid(p, key, msg))
		}
	}
	return errs
}

func validateSpec(spec *corev1.PodSpec, p *field.Path) field.ErrorList {
	volumes, errs := validateVolumes(spec.Volumes, p.Child("volumes"))
	errs = append(errs, validateContainers(spec.Containers, volumes, p.Child("containers"))...)
	errs = append(errs, validateInitContainers(spec, volumes, p.Child("initContainers"))...)
	errs = append(errs, validateActiveDeadline(spec.ActiveDeadlineSeconds, p.Child("activeDeadlineSeconds"))...)
	errs = append(errs, validatePodCPULimit(spec.Containers, p.Child("containers"))...)
	errs = append(errs, validatePodSecurity(spec, p.Child("securityContext"))...)
	errs = append(errs, validateEnum(spec.RestartPolicy, p.Child("restartPolicy"),
		corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever)...)
	errs = append(errs, validateGrace(spec.TerminationGracePeriodSeconds, p.Child("terminationGracePeriodSeconds"))...)
	errs = append(errs, validateEnum(spec.DNSPolicy, p.Child("dnsPolicy"),
		corev1.DNSClusterFirst, corev1.DNSClusterFirstWithHostNet, corev1.DNSDefault, corev1.DNSNone)...)
	errs = append(errs, validateDNSAndHosts(spec, p)...)
	if spec.Hostname != "" {
		errs = append(errs, validateName(spec.Hostname, validation.IsDNS1123Label, p.Child("hostname"))...)
	}
	return errs
}

// validateEnum checks that a required value is one of values.
func validateEnum[T ~string](value T, p *field.Path, values ...T) field.ErrorList {
	if value == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	if !slices.Contains(values, value) {
		return field.ErrorList{field.NotSupported(p, string(value), values)}
	}
	return nil
}

func validateNonNegative(v *int64, p *field.Path) field.ErrorList {
	if v != nil && *v < 0 {
		return field.ErrorList{field.Invalid(p, *v, "must be greater than or equal to 0")}
	}
	return nil
}

// validateAbsPath checks a required absolute path without ".." elements or NUL bytes.
func validateAbsPath(s string, p *field.Path) field.ErrorList {
	switch {
	case s == "":
		return field.ErrorList{field.Required(p, "")}
	case strings.ContainsRune(s, 0):
		return validateNoNUL(s, p)
	case !path.IsAbs(s):
		return field.ErrorList{field.Invalid(p, s, "must be an absolute path")}
	case slices.Contains(strings.Split(s, "/"), ".."):
		return field.ErrorList{field.Invalid(p, s, "must not contain '..'")}
	}
	return nil
}
