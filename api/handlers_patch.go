package api

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"

	"github.com/podd/podd/podopts"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// mergePatchType is the one patch type podd takes (RFC 7386, what `kubectl label` and
// `kubectl annotate` send with --type=merge, and podctl always).
const mergePatchType = "application/merge-patch+json"

// patchPod serves PATCH of a pod: the merge patch applies to the pod as it is, and the result is
// an update (labels, annotations, images; other changes are the update's 422).
func (h *handlers) patchPod(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != mergePatchType {
		writeError(w, statusError(http.StatusUnsupportedMediaType, metav1.StatusReasonUnsupportedMediaType,
			fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s", mergePatchType)))
		return
	}
	body, done, err := readBody(w, r)
	defer done()
	if err != nil {
		writeError(w, err)
		return
	}
	ns, name := r.PathValue("ns"), r.PathValue("name")
	cur, err := h.b.Get(ns, name)
	if err != nil {
		writeError(w, err)
		return
	}
	pod, err := patched(cur, body)
	if err != nil {
		writeError(w, err)
		return
	}
	if dry, _ := dryRun(r); dry {
		h.dryRunPod(w, r, pod, podopts.WriteUpdate)
		return
	}
	out, _, err := h.b.Update(r.Context(), pod)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, withPodType(out))
}

// patched is cur with the merge patch applied; the patch may not rename the pod.
func patched(cur *corev1.Pod, patch []byte) (*corev1.Pod, error) {
	var p any
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("error decoding patch: %v", err))
	}
	doc, err := json.Marshal(cur)
	if err != nil {
		return nil, fmt.Errorf("encode pod: %w", err)
	}
	var target any
	if err := json.Unmarshal(doc, &target); err != nil {
		return nil, fmt.Errorf("decode pod: %w", err)
	}
	merged, err := json.Marshal(mergePatch(target, p))
	if err != nil {
		return nil, fmt.Errorf("encode patched pod: %w", err)
	}
	out := &corev1.Pod{}
	if err := json.Unmarshal(merged, out); err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the patched pod does not decode: %v", err))
	}
	if out.Name != cur.Name || out.Namespace != cur.Namespace {
		return nil, apierrors.NewBadRequest("the patch may not change metadata.name or metadata.namespace")
	}
	return out, nil
}

// mergePatch applies an RFC 7386 merge patch to target: objects merge key by key, null
// removes a key, anything else replaces.
func mergePatch(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
		} else {
			tm[k] = mergePatch(tm[k], v)
		}
	}
	return tm
}
