package manifest

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateVolumes validates the volumes and returns the set of their names.
func validateVolumes(volumes []corev1.Volume, p *field.Path) (map[string]bool, field.ErrorList) {
	var errs field.ErrorList
	names := map[string]bool{}
	for i := range volumes {
		v := &volumes[i]
		vp := p.Index(i)
		errs = append(errs, validateName(v.Name, validation.IsDNS1123Label, vp.Child("name"))...)
		if v.Name != "" && names[v.Name] {
			errs = append(errs, field.Duplicate(vp.Child("name"), v.Name))
		}
		names[v.Name] = true
		errs = append(errs, validateSource(&v.VolumeSource, vp)...)
	}
	return names, errs
}

// validateSource checks that exactly one supported source is set.
func validateSource(s *corev1.VolumeSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	var set []string
	add := func(isSet bool, name string, check func(*field.Path) field.ErrorList) {
		if !isSet {
			return
		}
		if len(set) > 0 {
			errs = append(errs, field.Forbidden(p.Child(name), "may not specify more than 1 volume type"))
		}
		set = append(set, name)
		errs = append(errs, check(p.Child(name))...)
	}
	add(s.EmptyDir != nil, "emptyDir", func(fp *field.Path) field.ErrorList { return validateEmptyDir(s.EmptyDir, fp) })
	add(s.HostPath != nil, "hostPath", func(fp *field.Path) field.ErrorList { return validateHostPath(s.HostPath, fp) })
	add(s.NFS != nil, "nfs", func(fp *field.Path) field.ErrorList { return validateNFS(s.NFS, fp) })
	add(s.ConfigMap != nil, "configMap", func(fp *field.Path) field.ErrorList { return validateConfigMapSource(s.ConfigMap, fp) })
	add(s.Secret != nil, "secret", func(fp *field.Path) field.ErrorList { return validateSecretSource(s.Secret, fp) })
	add(s.DownwardAPI != nil, "downwardAPI", func(fp *field.Path) field.ErrorList { return validateDownwardSource(s.DownwardAPI, fp) })
	add(s.Projected != nil, "projected", func(fp *field.Path) field.ErrorList { return validateProjectedSource(s.Projected, fp) })
	if len(set) == 0 {
		errs = append(errs, field.Required(p, "must specify a volume type"))
	}
	return errs
}

var emptyDirMedia = []corev1.StorageMedium{corev1.StorageMediumDefault, corev1.StorageMediumMemory}

func validateEmptyDir(e *corev1.EmptyDirVolumeSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if !slices.Contains(emptyDirMedia, e.Medium) {
		errs = append(errs, field.NotSupported(p.Child("medium"), string(e.Medium), emptyDirMedia))
	}
	if e.SizeLimit != nil && e.SizeLimit.Sign() < 0 {
		errs = append(errs, field.Invalid(p.Child("sizeLimit"), e.SizeLimit.String(), "must be greater than or equal to 0"))
	}
	return errs
}

var hostPathTypes = []corev1.HostPathType{
	corev1.HostPathUnset,
	corev1.HostPathDirectoryOrCreate,
	corev1.HostPathDirectory,
	corev1.HostPathFileOrCreate,
	corev1.HostPathFile,
	corev1.HostPathSocket,
	corev1.HostPathCharDev,
	corev1.HostPathBlockDev,
}

func validateHostPath(h *corev1.HostPathVolumeSource, p *field.Path) field.ErrorList {
	errs := validateAbsPath(h.Path, p.Child("path"))
	if h.Type != nil && !slices.Contains(hostPathTypes, *h.Type) {
		errs = append(errs, field.NotSupported(p.Child("type"), string(*h.Type), hostPathTypes))
	}
	return errs
}
