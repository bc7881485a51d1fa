package configobj

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/podd/podd/mounts"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// DefaultMode is the API server's default for defaultMode (0644).
const DefaultMode int32 = 0o644

// Projected reports whether v is a volume whose files podd writes (configMap, secret,
// downwardAPI, projected).
func Projected(v *corev1.Volume) bool {
	return v.ConfigMap != nil || v.Secret != nil || v.DownwardAPI != nil || v.Projected != nil
}

// InMemory reports whether v's files go on a tmpfs, never on disk: secrets and projected
// volumes, as the kubelet does.
func InMemory(v *corev1.Volume) bool { return v.Secret != nil || v.Projected != nil }

// VolumeFiles are the files of volume v (at p, spec.volumes[N]) of pod: a referenced object
// or key that is missing and not optional is a NotFound field error with kubelet's words.
func (s *Store) VolumeFiles(pod *corev1.Pod, v *corev1.Volume, p *field.Path) ([]mounts.File, *field.Error) {
	switch {
	case v.ConfigMap != nil:
		return s.configMapFiles(pod.Namespace, v.ConfigMap.LocalObjectReference.Name, v.ConfigMap.Items,
			v.ConfigMap.Optional, modeOr(v.ConfigMap.DefaultMode, DefaultMode), p.Child("configMap"))
	case v.Secret != nil:
		return s.secretFiles(pod.Namespace, v.Secret.SecretName, v.Secret.Items,
			v.Secret.Optional, modeOr(v.Secret.DefaultMode, DefaultMode), p.Child("secret"))
	case v.DownwardAPI != nil:
		return downwardFiles(pod, v.DownwardAPI.Items, modeOr(v.DownwardAPI.DefaultMode, DefaultMode), p.Child("downwardAPI"))
	case v.Projected != nil:
		return s.projectedFiles(pod, v.Projected, p.Child("projected"))
	}
	return nil, nil
}

func modeOr(m *int32, def int32) int32 {
	if m != nil {
		return *m
	}
	return def
}

func (s *Store) configMapFiles(ns, name string, items []corev1.KeyToPath, optional *bool, mode int32, p *field.Path) ([]mounts.File, *field.Error) {
	cm, err := s.ConfigMap(ns, name)
	if err != nil {
		return nil, missing(err, optional, p.Child("name"))
	}
	data := make(map[string][]byte, len(cm.Data)+len(cm.BinaryData))
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	maps.Copy(data, cm.BinaryData)
	return keyFiles(data, items, optional, mode, "configmap references non-existent config key", p)
}

func (s *Store) secretFiles(ns, name string, items []corev1.KeyToPath, optional *bool, mode int32, p *field.Path) ([]mounts.File, *field.Error) {
	sec, err := s.Secret(ns, name)
	if err != nil {
		return nil, missing(err, optional, p.Child("secretName"))
	}
	return keyFiles(sec.Data, items, optional, mode, "references non-existent secret key", p)
}

// missing turns a failed lookup into nothing (optional and not found) or a field error.
func missing(err error, optional *bool, p *field.Path) *field.Error {
	if apierrors.IsNotFound(err) {
		if optional != nil && *optional {
			return nil
		}
		return notFound(p, kubeletNotFound(err))
	}
	return field.InternalError(p, err)
}

// kubeletNotFound is the kubelet's words for a missing object: `configmap "x" not found`
// (its object managers name the resource in the singular).
func kubeletNotFound(err error) string {
	var se apierrors.APIStatus
	if errors.As(err, &se) && se.Status().Details != nil {
		d := se.Status().Details
		return fmt.Sprintf("%s %q not found", strings.TrimSuffix(d.Kind, "s"), d.Name)
	}
	return err.Error()
}

// keyFiles is one file per key (all keys, or the items asked for, each with its path and mode).
func keyFiles(data map[string][]byte, items []corev1.KeyToPath, optional *bool, mode int32, missingKey string, p *field.Path) ([]mounts.File, *field.Error) {
	if len(items) == 0 {
		files := make([]mounts.File, 0, len(data))
		for _, k := range slices.Sorted(maps.Keys(data)) {
			files = append(files, mounts.File{Path: k, Data: data[k], Mode: fileMode(mode)})
		}
		return files, nil
	}
	files := make([]mounts.File, 0, len(items))
	for i, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if optional != nil && *optional {
				continue
			}
			return nil, notFound(p.Child("items").Index(i).Child("key"), fmt.Sprintf("%s: %s", missingKey, it.Key))
		}
		files = append(files, mounts.File{Path: it.Path, Data: v, Mode: fileMode(modeOr(it.Mode, mode))})
	}
	return files, nil
}

func fileMode(m int32) os.FileMode { return os.FileMode(m) & 0o777 }

func (s *Store) projectedFiles(pod *corev1.Pod, v *corev1.ProjectedVolumeSource, p *field.Path) ([]mounts.File, *field.Error) {
	mode := modeOr(v.DefaultMode, DefaultMode)
	var files []mounts.File
	for i, src := range v.Sources {
		sp := p.Child("sources").Index(i)
		var got []mounts.File
		var fe *field.Error
		switch {
		case src.ConfigMap != nil:
			got, fe = s.configMapFiles(pod.Namespace, src.ConfigMap.Name, src.ConfigMap.Items, src.ConfigMap.Optional, mode, sp.Child("configMap"))
		case src.Secret != nil:
			got, fe = s.secretFiles(pod.Namespace, src.Secret.Name, src.Secret.Items, src.Secret.Optional, mode, sp.Child("secret"))
		case src.DownwardAPI != nil:
			got, fe = downwardFiles(pod, src.DownwardAPI.Items, mode, sp.Child("downwardAPI"))
		}
		if fe != nil {
			return nil, fe
		}
		files = append(files, got...)
	}
	return files, nil
}

// notFound is "<path>: Not found: <msg>".
func notFound(p *field.Path, msg string) *field.Error {
	return &field.Error{Type: field.ErrorTypeNotFound, Field: p.String(), BadValue: field.OmitValueType{}, Detail: msg}
}

// References reports whether volume v takes its files from the object name of resource
// (ConfigMaps or Secrets), directly or as a projected source.
func References(v *corev1.Volume, resource, name string) bool {
	switch {
	case v.ConfigMap != nil:
		return resource == ConfigMaps && v.ConfigMap.Name == name
	case v.Secret != nil:
		return resource == Secrets && v.Secret.SecretName == name
	case v.Projected != nil:
		for _, src := range v.Projected.Sources {
			if (src.ConfigMap != nil && resource == ConfigMaps && src.ConfigMap.Name == name) ||
				(src.Secret != nil && resource == Secrets && src.Secret.Name == name) {
				return true
			}
		}
	}
	return false
}

// ShowsMetadata reports whether volume v has files of the downward API (a downwardAPI volume
// or a projected downwardAPI source): what a change of the pod's labels or annotations rewrites.
func ShowsMetadata(v *corev1.Volume) bool {
	if v.DownwardAPI != nil {
		return true
	}
	if v.Projected != nil {
		for _, src := range v.Projected.Sources {
			if src.DownwardAPI != nil {
				return true
			}
		}
	}
	return false
}
