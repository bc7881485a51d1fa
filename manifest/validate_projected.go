package manifest

import (
	"path"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The volume sources podd fills itself (configMap, secret, downwardAPI, projected), checked with
// the API server's rules (validateKeyToPath, validateDownwardAPIVolumeFile...).

// downwardVolumeFields are the fieldRef paths a downwardAPI volume may use.
var downwardVolumeFields = []string{"metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"}

// envFields are the fieldRef paths env may use.
var envFields = append(slices.Clone(downwardVolumeFields), "spec.nodeName", "spec.serviceAccountName",
	"status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs")

var containerResources = []string{"limits.cpu", "limits.memory", "limits.ephemeral-storage",
	"requests.cpu", "requests.memory", "requests.ephemeral-storage"}

func validateConfigMapSource(s *corev1.ConfigMapVolumeSource, p *field.Path) field.ErrorList {
	errs := validateObjectName(s.Name, p.Child("name"))
	errs = append(errs, validateMode(s.DefaultMode, p.Child("defaultMode"))...)
	return append(errs, validateItems(s.Items, p.Child("items"))...)
}

func validateSecretSource(s *corev1.SecretVolumeSource, p *field.Path) field.ErrorList {
	errs := validateObjectName(s.SecretName, p.Child("secretName"))
	errs = append(errs, validateMode(s.DefaultMode, p.Child("defaultMode"))...)
	return append(errs, validateItems(s.Items, p.Child("items"))...)
}

func validateDownwardSource(s *corev1.DownwardAPIVolumeSource, p *field.Path) field.ErrorList {
	errs := validateMode(s.DefaultMode, p.Child("defaultMode"))
	return append(errs, validateDownwardFiles(s.Items, p.Child("items"))...)
}

func validateProjectedSource(s *corev1.ProjectedVolumeSource, p *field.Path) field.ErrorList {
	errs := validateMode(s.DefaultMode, p.Child("defaultMode"))
	paths := map[string]bool{}
	for i, src := range s.Sources {
		sp := p.Child("sources").Index(i)
		n := 0
		var items []string
		if src.ConfigMap != nil {
			n++
			errs = append(errs, validateObjectName(src.ConfigMap.Name, sp.Child("configMap", "name"))...)
			errs = append(errs, validateItems(src.ConfigMap.Items, sp.Child("configMap", "items"))...)
			items = append(items, itemPaths(src.ConfigMap.Items)...)
		}
		if src.Secret != nil {
			n++
			errs = append(errs, validateObjectName(src.Secret.Name, sp.Child("secret", "name"))...)
			errs = append(errs, validateItems(src.Secret.Items, sp.Child("secret", "items"))...)
			items = append(items, itemPaths(src.Secret.Items)...)
		}
		if src.DownwardAPI != nil {
			n++
			errs = append(errs, validateDownwardFiles(src.DownwardAPI.Items, sp.Child("downwardAPI", "items"))...)
			for _, it := range src.DownwardAPI.Items {
				items = append(items, it.Path)
			}
		}
		if n != 1 {
			errs = append(errs, field.Forbidden(sp, "may not specify more than 1 volume type per source"))
		}
		for _, ip := range items {
			if paths[ip] {
				errs = append(errs, field.Invalid(sp, ip, "conflicting duplicate paths"))
			}
			paths[ip] = true
		}
	}
	return errs
}

func itemPaths(items []corev1.KeyToPath) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Path
	}
	return out
}

func validateObjectName(name string, p *field.Path) field.ErrorList {
	return validateName(name, validation.IsDNS1123Subdomain, p)
}

// validateMode checks a file mode: 0 to 0777 (511).
func validateMode(m *int32, p *field.Path) field.ErrorList {
	if m != nil && (*m < 0 || *m > 0o777) {
		return field.ErrorList{field.Invalid(p, *m, "must be a number between 0 and 0777 (octal), both inclusive")}
	}
	return nil
}

func validateItems(items []corev1.KeyToPath, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, it := range items {
		ip := p.Index(i)
		if it.Key == "" {
			errs = append(errs, field.Required(ip.Child("key"), ""))
		}
		errs = append(errs, validateFilePath(it.Path, ip.Child("path"))...)
		errs = append(errs, validateMode(it.Mode, ip.Child("mode"))...)
	}
	return errs
}

func validateDownwardFiles(items []corev1.DownwardAPIVolumeFile, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, it := range items {
		ip := p.Index(i)
		errs = append(errs, validateFilePath(it.Path, ip.Child("path"))...)
		errs = append(errs, validateMode(it.Mode, ip.Child("mode"))...)
		switch {
		case it.FieldRef != nil && it.ResourceFieldRef != nil:
			errs = append(errs, field.Invalid(ip, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously"))
		case it.FieldRef != nil:
			errs = append(errs, validateFieldRef(it.FieldRef, downwardVolumeFields, ip.Child("fieldRef"))...)
		case it.ResourceFieldRef != nil:
			errs = append(errs, validateResourceRef(it.ResourceFieldRef, true, ip.Child("resourceFieldRef"))...)
		default:
			errs = append(errs, field.Required(ip, "one of fieldRef and resourceFieldRef is required"))
		}
	}
	return errs
}

// validateFilePath is the API server's validateLocalDescendingPath: relative, no '..' element,
// and not starting with '..' (the atomic writer's own names).
func validateFilePath(fp string, p *field.Path) field.ErrorList {
	switch {
	case fp == "":
		return field.ErrorList{field.Required(p, "")}
	case path.IsAbs(fp):
		return field.ErrorList{field.Invalid(p, fp, "must be a relative path")}
	case strings.HasPrefix(fp, ".."):
		return field.ErrorList{field.Invalid(p, fp, "must not start with '..'")}
	case slices.Contains(strings.Split(fp, "/"), ".."):
		return field.ErrorList{field.Invalid(p, fp, "must not contain '..'")}
	}
	return nil
}

// validateFieldRef checks a fieldRef path against the allowed ones (labels and annotations
// also with a ['key'] subscript).
func validateFieldRef(ref *corev1.ObjectFieldSelector, allowed []string, p *field.Path) field.ErrorList {
	fp := p.Child("fieldPath")
	if ref.FieldPath == "" {
		return field.ErrorList{field.Required(fp, "")}
	}
	if ref.APIVersion != "" && ref.APIVersion != "v1" {
		return field.ErrorList{field.NotSupported(p.Child("apiVersion"), ref.APIVersion, []string{"v1"})}
	}
	for _, prefix := range []string{"metadata.labels", "metadata.annotations"} {
		if key, ok := subscriptKey(ref.FieldPath, prefix); ok {
			if msgs := validation.IsQualifiedName(strings.ToLower(key)); len(msgs) > 0 {
				return field.ErrorList{field.Invalid(fp, ref.FieldPath, strings.Join(msgs, "; "))}
			}
			return nil
		}
	}
	if !slices.Contains(allowed, ref.FieldPath) {
		return field.ErrorList{field.NotSupported(fp, ref.FieldPath, allowed)}
	}
	return nil
}

func subscriptKey(fp, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(fp, prefix+"['")
	if !ok {
		return "", false
	}
	return strings.CutSuffix(rest, "']")
}

func validateResourceRef(ref *corev1.ResourceFieldSelector, volume bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if volume && ref.ContainerName == "" {
		errs = append(errs, field.Required(p.Child("containerName"), ""))
	}
	if !slices.Contains(containerResources, ref.Resource) {
		errs = append(errs, field.NotSupported(p.Child("resource"), ref.Resource, containerResources))
	}
	if ref.Divisor.Sign() < 0 {
		errs = append(errs, field.Invalid(p.Child("divisor"), ref.Divisor.String(), "must be greater than or equal to 0"))
	}
	return errs
}

// validateEnvSource checks one env valueFrom: exactly one source, with its name and key.
func validateEnvSource(src *corev1.EnvVarSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	n := 0
	if src.FieldRef != nil {
		n++
		errs = append(errs, validateFieldRef(src.FieldRef, envFields, p.Child("fieldRef"))...)
	}
	if src.ResourceFieldRef != nil {
		n++
		errs = append(errs, validateResourceRef(src.ResourceFieldRef, false, p.Child("resourceFieldRef"))...)
	}
	if r := src.ConfigMapKeyRef; r != nil {
		n++
		errs = append(errs, validateKeyRef(r.Name, r.Key, p.Child("configMapKeyRef"))...)
	}
	if r := src.SecretKeyRef; r != nil {
		n++
		errs = append(errs, validateKeyRef(r.Name, r.Key, p.Child("secretKeyRef"))...)
	}
	switch {
	case n == 0:
		errs = append(errs, field.Invalid(p, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
	case n > 1:
		errs = append(errs, field.Invalid(p, "", "may not have more than one field specified at a time"))
	}
	return errs
}

func validateKeyRef(name, key string, p *field.Path) field.ErrorList {
	errs := validateObjectName(name, p.Child("name"))
	if key == "" {
		return append(errs, field.Required(p.Child("key"), ""))
	}
	for _, msg := range validation.IsConfigMapKey(key) {
		errs = append(errs, field.Invalid(p.Child("key"), key, msg))
	}
	return errs
}

// validateEnvFrom checks envFrom: one of configMapRef and secretRef, a valid prefix.
func validateEnvFrom(from []corev1.EnvFromSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, f := range from {
		fp := p.Index(i)
		if f.Prefix != "" {
			for _, msg := range validation.IsEnvVarName(f.Prefix) {
				errs = append(errs, field.Invalid(fp.Child("prefix"), f.Prefix, msg))
			}
		}
		switch {
		case f.ConfigMapRef != nil && f.SecretRef != nil:
			errs = append(errs, field.Invalid(fp, "", "may not have more than one field specified at a time"))
		case f.ConfigMapRef != nil:
			errs = append(errs, validateObjectName(f.ConfigMapRef.Name, fp.Child("configMapRef", "name"))...)
		case f.SecretRef != nil:
			errs = append(errs, validateObjectName(f.SecretRef.Name, fp.Child("secretRef", "name"))...)
		default:
			errs = append(errs, field.Invalid(fp, "", "must specify one of: `configMapRef` or `secretRef`"))
		}
	}
	return errs
}
