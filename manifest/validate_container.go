package manifest

import (
	"fmt"
	"github.com/google/go-containerregistry/pkg/name"
	"path"
	"slices"
	"strings"

	"github.com/podd/podd/probe"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func validateContainers(containers []corev1.Container, volumes map[string]bool, p *field.Path) field.ErrorList {
	if len(containers) == 0 {
		return field.ErrorList{field.Required(p, "")}
	}
	var errs field.ErrorList
	seen := map[string]bool{}
	for i := range containers {
		c := &containers[i]
		errs = append(errs, validateContainer(c, volumes, p.Index(i))...)
		if c.Name != "" && seen[c.Name] {
			errs = append(errs, field.Duplicate(p.Index(i).Child("name"), c.Name))
		}
		seen[c.Name] = true
	}
	return errs
}

func validateContainer(c *corev1.Container, volumes map[string]bool, p *field.Path) field.ErrorList {
	errs := validateName(c.Name, validation.IsDNS1123Label, p.Child("name"))
	errs = append(errs, validateImage(c.Image, p.Child("image"))...)
	if c.WorkingDir != "" && !path.IsAbs(c.WorkingDir) {
		errs = append(errs, field.Invalid(p.Child("workingDir"), c.WorkingDir, "must be an absolute path"))
	}
	errs = append(errs, validateEnv(c.Env, p.Child("env"))...)
	errs = append(errs, validateEnvFrom(c.EnvFrom, p.Child("envFrom"))...)
	errs = append(errs, validateProcess(c, p)...)
	errs = append(errs, validatePorts(c.Ports, p.Child("ports"))...)
	errs = append(errs, validateResources(&c.Resources, p.Child("resources"))...)
	errs = append(errs, validateMounts(c.VolumeMounts, volumes, p.Child("volumeMounts"))...)
	errs = append(errs, validateMountModes(c, p.Child("volumeMounts"))...)
	errs = append(errs, probe.ValidateContainer(c, p)...)
	errs = append(errs, validateContainerSecurity(c.SecurityContext, p.Child("securityContext"))...)
	errs = append(errs, validateLifecycle(c.Lifecycle, p.Child("lifecycle"))...)
	errs = append(errs, validateEnum(c.ImagePullPolicy, p.Child("imagePullPolicy"),
		corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever)...)
	if c.TerminationMessagePath != "" {
		errs = append(errs, validateAbsPath(c.TerminationMessagePath, p.Child("terminationMessagePath"))...)
	}
	return append(errs, validateEnum(c.TerminationMessagePolicy, p.Child("terminationMessagePolicy"),
		corev1.TerminationMessageReadFile, corev1.TerminationMessageFallbackToLogsOnError)...)
}

const imageFormat = "must be an image reference (registry/repository[:tag][@digest]), an absolute path to a rootfs directory or oci:/path/to/layout[:tag]"

// validateImage checks the syntax of an image reference: an absolute
// directory, oci:PATH[:TAG] with an absolute PATH, or a registry reference.
// Whether the image exists is for the runtime to find out.
func validateImage(image string, p *field.Path) field.ErrorList {
	switch {
	case image == "":
		return field.ErrorList{field.Required(p, "")}
	case strings.ContainsRune(image, 0):
		return validateNoNUL(image, p)
	case strings.TrimSpace(image) != image:
		return field.ErrorList{field.Invalid(p, image, "must not have leading or trailing whitespace")}
	case !validImage(image):
		return field.ErrorList{field.Invalid(p, image, imageFormat)}
	}
	return nil
}

func validImage(image string) bool {
	layout, isOCI := strings.CutPrefix(image, "oci:")
	if !isOCI {
		return path.IsAbs(image) || validRegistryRef(image)
	}
	if i := strings.LastIndex(layout, ":"); i > strings.LastIndex(layout, "/") {
		tag := layout[i+1:]
		layout = layout[:i]
		if tag == "" {
			return false
		}
	}
	return path.IsAbs(layout)
}

func validateEnv(env []corev1.EnvVar, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, e := range env {
		np := p.Index(i).Child("name")
		if e.Name == "" {
			errs = append(errs, field.Required(np, ""))
			continue
		}
		for _, msg := range validation.IsRelaxedEnvVarName(e.Name) {
			errs = append(errs, field.Invalid(np, e.Name, msg))
		}
		if e.ValueFrom != nil {
			if e.Value != "" {
				errs = append(errs, field.Invalid(p.Index(i).Child("valueFrom"), "", "may not be specified when `value` is not empty"))
			}
			errs = append(errs, validateEnvSource(e.ValueFrom, p.Index(i).Child("valueFrom"))...)
		}
	}
	return errs
}

var protocols = []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP}

func validatePorts(ports []corev1.ContainerPort, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := map[string]bool{}
	for i, port := range ports {
		pp := p.Index(i)
		errs = append(errs, validatePortName(port.Name, names, pp.Child("name"))...)
		errs = append(errs, validatePortNumber(port.ContainerPort, pp.Child("containerPort"))...)
		errs = append(errs, validateEnum(port.Protocol, pp.Child("protocol"), protocols...)...)
	}
	return errs
}

// validatePortName checks an optional port name, unique in the container.
func validatePortName(name string, seen map[string]bool, p *field.Path) field.ErrorList {
	if name == "" {
		return nil
	}
	var errs field.ErrorList
	for _, msg := range validation.IsValidPortName(name) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	if seen[name] {
		errs = append(errs, field.Duplicate(p, name))
	}
	seen[name] = true
	return errs
}

func validatePortNumber(port int32, p *field.Path) field.ErrorList {
	if port == 0 {
		return field.ErrorList{field.Required(p, "")}
	}
	if port < 1 || port > 65535 {
		return field.ErrorList{field.Invalid(p, port, validation.InclusiveRangeError(1, 65535))}
	}
	return nil
}

// resourceNames are the resources podd implements.
var resourceNames = []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory}

func validateResources(r *corev1.ResourceRequirements, p *field.Path) field.ErrorList {
	errs := validateQuantities(r.Limits, p.Child("limits"))
	errs = append(errs, validateLimitRange(r.Limits, p.Child("limits"))...)
	errs = append(errs, validateQuantities(r.Requests, p.Child("requests"))...)
	for _, name := range resourceNames {
		req, hasReq := r.Requests[name]
		limit, hasLimit := r.Limits[name]
		if hasReq && hasLimit && req.Cmp(limit) > 0 {
			msg := fmt.Sprintf("must be less than or equal to %s limit of %s", name, limit.String())
			errs = append(errs, field.Invalid(p.Child("requests", string(name)), req.String(), msg))
		}
	}
	return errs
}

func validateQuantities(list corev1.ResourceList, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, name := range sortedResourceNames(list) {
		q := list[name]
		switch {
		case !slices.Contains(resourceNames, name):
			errs = append(errs, notImplemented(p.Child(string(name))))
		case q.Sign() < 0:
			errs = append(errs, field.Invalid(p.Child(string(name)), q.String(), "must be greater than or equal to 0"))
		}
	}
	return errs
}

func sortedResourceNames(list corev1.ResourceList) []corev1.ResourceName {
	names := make([]corev1.ResourceName, 0, len(list))
	for name := range list {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func validateMounts(mounts []corev1.VolumeMount, volumes map[string]bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	paths := map[string]bool{}
	for i, m := range mounts {
		mp := p.Index(i)
		switch {
		case m.Name == "":
			errs = append(errs, field.Required(mp.Child("name"), ""))
		case !volumes[m.Name]:
			errs = append(errs, field.NotFound(mp.Child("name"), m.Name))
		}
		pathErrs := validateAbsPath(m.MountPath, mp.Child("mountPath"))
		if len(pathErrs) == 0 && path.Clean(m.MountPath) == "/" {
			pathErrs = field.ErrorList{field.Invalid(mp.Child("mountPath"), m.MountPath,
				"must not be /: a volume cannot replace the container's root filesystem")}
		}
		errs = append(errs, pathErrs...)
		if len(pathErrs) == 0 && paths[path.Clean(m.MountPath)] {
			errs = append(errs, field.Duplicate(mp.Child("mountPath"), m.MountPath))
		}
		paths[path.Clean(m.MountPath)] = true
		errs = append(errs, validateSubPath(&m, mp)...)
	}
	return errs
}

// validateSubPath checks subPath and subPathExpr as the API server does: not both, relative,
// no '..' element (subPathExpr once expanded is checked again by the runtime).
func validateSubPath(m *corev1.VolumeMount, p *field.Path) field.ErrorList {
	if m.SubPath != "" && m.SubPathExpr != "" {
		return field.ErrorList{field.Invalid(p.Child("subPathExpr"), m.SubPathExpr, "subPathExpr and subPath are mutually exclusive")}
	}
	var errs field.ErrorList
	for name, sp := range map[string]string{"subPath": m.SubPath, "subPathExpr": m.SubPathExpr} {
		switch {
		case sp == "":
		case path.IsAbs(sp):
			errs = append(errs, field.Invalid(p.Child(name), sp, "must be a relative path"))
		case slices.Contains(strings.Split(sp, "/"), ".."):
			errs = append(errs, field.Invalid(p.Child(name), sp, "must not contain '..'"))
		}
	}
	return errs
}

// validRegistryRef reports whether image is a registry reference as docker reads it
// (rootfs.ParseRef's rule; no transport prefix such as docker://).
func validRegistryRef(image string) bool {
	_, err := name.ParseReference(image)
	return err == nil && !strings.Contains(image, "://")
}

// validateMountModes checks mountPropagation and recursiveReadOnly as the API server does:
// Bidirectional only for a privileged container; recursiveReadOnly only with readOnly and
// without propagation.
func validateMountModes(c *corev1.Container, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	privileged := c.SecurityContext != nil && c.SecurityContext.Privileged != nil && *c.SecurityContext.Privileged
	for i, m := range c.VolumeMounts {
		mp := p.Index(i)
		if prop := m.MountPropagation; prop != nil {
			errs = append(errs, validateEnum(*prop, mp.Child("mountPropagation"),
				corev1.MountPropagationNone, corev1.MountPropagationHostToContainer, corev1.MountPropagationBidirectional)...)
			if *prop == corev1.MountPropagationBidirectional && !privileged {
				errs = append(errs, field.Forbidden(mp.Child("mountPropagation"), "Bidirectional mount propagation is available only to privileged containers"))
			}
		}
		rro := m.RecursiveReadOnly
		if rro == nil || *rro == corev1.RecursiveReadOnlyDisabled {
			continue
		}
		errs = append(errs, validateEnum(*rro, mp.Child("recursiveReadOnly"),
			corev1.RecursiveReadOnlyDisabled, corev1.RecursiveReadOnlyEnabled, corev1.RecursiveReadOnlyIfPossible)...)
		if !m.ReadOnly {
			errs = append(errs, field.Forbidden(mp.Child("recursiveReadOnly"), "may only be specified when readOnly is true"))
		}
		if m.MountPropagation != nil && *m.MountPropagation != corev1.MountPropagationNone {
			errs = append(errs, field.Forbidden(mp.Child("recursiveReadOnly"), "may only be specified when mountPropagation is None or not specified"))
		}
	}
	return errs
}
