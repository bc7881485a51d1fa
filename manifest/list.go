package manifest

import (
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// listKeys are the keys of a List; its metadata is accepted and ignored.
var listKeys = []string{"apiVersion", "kind", "metadata", "items"}

func decodeList(obj map[string]any) ([]*corev1.Pod, field.ErrorList) {
	var errs field.ErrorList
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		if !slices.Contains(listKeys, key) {
			errs = append(errs, unknownField(field.NewPath(key)))
		}
	}
	items, ok := obj["items"].([]any)
	if !ok && obj["items"] != nil {
		errs = append(errs, wrongType(field.NewPath("items"), obj["items"], "must be a list"))
	}
	var pods []*corev1.Pod
	for i, item := range items {
		pod, itemErrs := decodeItem(item, field.NewPath("items").Index(i))
		pods = append(pods, pod)
		errs = append(errs, itemErrs...)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return pods, nil
}

func decodeItem(v any, p *field.Path) (*corev1.Pod, field.ErrorList) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, field.ErrorList{wrongType(p, v, "must be an object")}
	}
	if errs := checkTypeMeta(obj, p, podKinds, false); len(errs) > 0 {
		return nil, errs
	}
	return decodePod(obj, p)
}
