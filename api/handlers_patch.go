package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/podd/podd/podopts"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/mergepatch"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

// The patch types the API server takes for a pod, as kube-apiserver does: what `kubectl patch`
// sends (strategic by default, --type merge or json), and `podctl label` and `annotate` (merge).
var patchTypes = []types.PatchType{types.StrategicMergePatchType, types.MergePatchType, types.JSONPatchType}

// maxJSONPatchOperations is kube-apiserver's bound on the operations of one JSON patch.
const maxJSONPatchOperations = 10000

func init() {
	// RFC 6902 has no negative indices (the library's default allows them), and each "copy"
	// may double the document: the copies of one patch may add at most what a request body may
	// hold, or a small patch could make gigabytes.
	jsonpatch.SupportNegativeIndices = false
	jsonpatch.AccumulatedCopySizeLimit = 3 << 20
}

// patchPod serves PATCH of a pod: the patch applies to the pod as it is, and the result is an
// update (labels, annotations, images; other changes are the update's 422).
func (h *handlers) patchPod(w http.ResponseWriter, r *http.Request) {
	pt, err := patchType(r.Header.Get("Content-Type"))
	if err != nil {
		writeError(w, err)
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
	pod, err := patched(cur, pt, body)
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

// patchType is the patch type a Content-Type names, or the 415 naming those taken.
func patchType(contentType string) (types.PatchType, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	for _, pt := range patchTypes {
		if mt == string(pt) {
			return pt, nil
		}
	}
	names := make([]string, len(patchTypes))
	for i, pt := range patchTypes {
		names[i] = string(pt)
	}
	return "", statusError(http.StatusUnsupportedMediaType, metav1.StatusReasonUnsupportedMediaType,
		fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s", strings.Join(names, ", ")))
}

// patched is cur with the patch of type pt applied; the patch may not rename the pod.
func patched(cur *corev1.Pod, pt types.PatchType, patch []byte) (*corev1.Pod, error) {
	doc, err := json.Marshal(cur)
	if err != nil {
		return nil, fmt.Errorf("encode pod: %w", err)
	}
	merged, err := applyPatch(doc, pt, patch)
	if err != nil {
		return nil, err
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

// applyPatch applies patch to the pod's JSON doc, with kube-apiserver's statuses for a patch
// that does not decode (400) or does not apply (422). The libraries take hostile input: a panic
// in one is the patch's 422 (json-patch v4 panics on a "replace" of the root without a value,
// found by FuzzPatch).
func applyPatch(doc []byte, pt types.PatchType, patch []byte) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, unprocessable(fmt.Errorf("the patch could not be applied: %v", p))
		}
	}()
	switch pt {
	case types.JSONPatchType:
		ops, err := jsonpatch.DecodePatch(patch)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		if len(ops) > maxJSONPatchOperations {
			return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf(
				"The allowed maximum operations in a JSON patch is %d, got %d", maxJSONPatchOperations, len(ops)))
		}
		out, err := ops.Apply(doc)
		if err != nil {
			return nil, unprocessable(err)
		}
		return out, nil
	case types.MergePatchType:
		out, err := jsonpatch.MergePatch(doc, patch)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		return out, nil
	default:
		out, err := strategicpatch.StrategicMergePatch(doc, patch, &corev1.Pod{})
		if err != nil {
			return nil, strategicError(err)
		}
		return out, nil
	}
}

// strategicError is kube-apiserver's status for a strategic merge patch that failed.
func strategicError(err error) error {
	switch {
	case errors.Is(err, mergepatch.ErrNoListOfLists), errors.Is(err, mergepatch.ErrPatchContentNotMatchRetainKeys):
		return unprocessable(err)
	default:
		return apierrors.NewBadRequest(err.Error())
	}
}

// unprocessable is the 422 of a patch that does not apply, saying why (kube-apiserver's says
// only "the server rejected our request due to an error in our request").
func unprocessable(err error) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusUnprocessableEntity, Reason: metav1.StatusReasonInvalid,
		Message: "the patch does not apply to the pod: " + err.Error(),
	}}
}
