package manifest

import (
	"encoding/json"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// decodePod checks the fields of obj, then builds, defaults and validates
// the pod. p is the path of obj in the document (nil at the top).
func decodePod(obj map[string]any, p *field.Path) (*corev1.Pod, field.ErrorList) {
	if errs := walk(obj, podTree, p); len(errs) > 0 {
		return nil, errs
	}
	pod, err := toPod(obj)
	if err != nil {
		return nil, field.ErrorList{field.InternalError(p, err)}
	}
	SetDefaults(pod)
	if errs := validatePod(pod, p); len(errs) > 0 {
		return nil, errs
	}
	return pod, nil
}

// toPod converts a checked object into a Pod, dropping its status.
func toPod(obj map[string]any) (*corev1.Pod, error) {
	delete(obj, "status")
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	pod := &corev1.Pod{}
	if err := json.Unmarshal(data, pod); err != nil {
		return nil, err
	}
	pod.APIVersion, pod.Kind = "v1", "Pod"
	return pod, nil
}

// checkTypeMeta checks apiVersion and kind. List items may leave them out.
func checkTypeMeta(obj map[string]any, p *field.Path, kinds []string, required bool) field.ErrorList {
	errs := checkEnumKey(obj, "apiVersion", []string{"v1"}, required, p)
	return append(errs, checkEnumKey(obj, "kind", kinds, required, p)...)
}

func checkEnumKey(obj map[string]any, key string, values []string, required bool, p *field.Path) field.ErrorList {
	v := obj[key]
	if v == nil {
		if required {
			return field.ErrorList{field.Required(p.Child(key), "")}
		}
		return nil
	}
	if s, ok := v.(string); ok && slices.Contains(values, s) {
		return nil
	}
	return field.ErrorList{field.NotSupported(p.Child(key), v, values)}
}
