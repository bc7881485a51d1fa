package runtime

import (
	"encoding/json"

	corev1 "k8s.io/api/core/v1"
)

// LastAppliedAnnotation holds the manifest `podctl apply` last sent, as kubectl's does: a
// re-apply merges labels and annotations three ways (live, last applied, new manifest).
const LastAppliedAnnotation = corev1.LastAppliedConfigAnnotation

// applied is in with kubectl apply's three-way merge of labels and annotations against cur:
// a key set on the live pod by other means (`podctl label`, `annotate`) stays, a key the last
// applied manifest had and in has not is removed, and in's values win. A manifest without the
// annotation (an API client of its own, a static pod) replaces them, as a PUT does.
func applied(cur, in *corev1.Pod) *corev1.Pod {
	if _, ok := in.Annotations[LastAppliedAnnotation]; !ok {
		return in
	}
	var last struct {
		Metadata struct {
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	// a live pod without it (created, not applied) merges as kubectl does: nothing removed
	_ = json.Unmarshal([]byte(cur.Annotations[LastAppliedAnnotation]), &last)
	out := *in
	out.ObjectMeta = *in.ObjectMeta.DeepCopy()
	out.Labels = threeWay(cur.Labels, last.Metadata.Labels, in.Labels)
	out.Annotations = threeWay(cur.Annotations, last.Metadata.Annotations, in.Annotations)
	return &out
}

// threeWay is live without the keys of last that modified dropped, with modified's values.
func threeWay(live, last, modified map[string]string) map[string]string {
	out := make(map[string]string, len(live)+len(modified))
	for k, v := range live {
		if _, dropped := last[k]; !dropped {
			out[k] = v
		} else if _, kept := modified[k]; kept {
			out[k] = v
		}
	}
	for k, v := range modified {
		out[k] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
