package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/internal/invalid"
	"github.com/podd/podd/manifest"
	"github.com/podd/podd/podopts"
)

var podTypeMeta = metav1.TypeMeta{Kind: "Pod", APIVersion: "v1"}

// applyPod serves POST of a pod: an apply (create or update), or with ?create=true a create
// that refuses a pod that exists (AlreadyExists, 409), as the API server's POST does.
func (h *handlers) applyPod(w http.ResponseWriter, r *http.Request) {
	pod, err := decodePod(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	create, _ := strconv.ParseBool(r.URL.Query().Get("create"))
	if dry, _ := dryRun(r); dry {
		h.dryRunPod(w, r, pod, map[bool]podopts.Write{false: podopts.WriteApply, true: podopts.WriteCreate}[create])
		return
	}
	if create {
		out, err := h.b.Create(r.Context(), pod)
		if err != nil {
			writeError(w, err)
			return
		}
		w.Header().Set(wire.ApplyResultHeader, string(podopts.ApplyCreated))
		writeJSON(w, http.StatusCreated, withPodType(out))
		return
	}
	writeApplied(w)(h.b.Apply(r.Context(), pod))
}

// writeApplied returns what answers an apply's outcome: the pod and what was done (201 for
// created), or the error.
func writeApplied(w http.ResponseWriter) func(*corev1.Pod, podopts.ApplyResult, error) {
	return func(out *corev1.Pod, result podopts.ApplyResult, err error) {
		if err != nil {
			writeError(w, err)
			return
		}
		code := http.StatusOK
		if result == podopts.ApplyCreated {
			code = http.StatusCreated
		}
		w.Header().Set(wire.ApplyResultHeader, string(result))
		writeJSON(w, code, withPodType(out))
	}
}

// dryRunPod answers as applyPod (or patchPod) would for pod, changing nothing.
func (h *handlers) dryRunPod(w http.ResponseWriter, r *http.Request, pod *corev1.Pod, write podopts.Write) {
	d, err := h.dryRunner()
	if err != nil {
		writeError(w, err)
		return
	}
	writeApplied(w)(d.DryRun(r.Context(), pod, write))
}

// decodePod reads the body with manifest.DecodeJSON (which reports unknown and unsupported fields
// by path) and gives the pod the namespace of the path, which the manifest may only repeat.
func decodePod(w http.ResponseWriter, r *http.Request) (*corev1.Pod, error) {
	body, done, err := readBody(w, r)
	defer done()
	if err != nil {
		return nil, err
	}
	ns := r.PathValue("ns")
	if err := checkNamespace(ns, manifestNamespace(body)); err != nil {
		return nil, err
	}
	release, err := decodeSlot(r)
	if err != nil {
		return nil, err
	}
	pod, err := manifest.DecodeJSON(body)
	release()
	if err != nil {
		return nil, invalidManifest(body, err)
	}
	pod.Namespace = ns // DecodeJSON defaults an absent namespace to "default"
	return pod, nil
}

// decodeSlots bounds the manifests decoded at once: decoding a body of many small values
// takes tens of times its size in memory for a moment, so this bounds podd's peak memory
// whatever the number of clients. A usual pod decodes in well under a millisecond.
var decodeSlots = make(chan struct{}, 4)

// decodeSlot waits for a decoding slot (or for the client to go) and returns its release.
func decodeSlot(r *http.Request) (release func(), err error) {
	select {
	case decodeSlots <- struct{}{}:
		return func() { <-decodeSlots }, nil
	case <-r.Context().Done():
		return nil, fmt.Errorf("waiting to decode the manifest: %w", r.Context().Err())
	}
}

// invalidManifest is the 422 for a manifest DecodeJSON refused: its message, and the field
// errors as the status causes when there are some.
func invalidManifest(body []byte, err error) error {
	var me *manifest.Error
	if errors.As(err, &me) {
		return invalid.Pod(manifestName(body), err.Error(), me.Errs...)
	}
	return invalid.Pod(manifestName(body), err.Error())
}

// manifestName is metadata.name as written in the manifest ("" if absent or unreadable).
func manifestName(body []byte) string {
	var m struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	_ = json.Unmarshal(body, &m)
	return m.Metadata.Name
}

// manifestNamespace is metadata.namespace as written in the manifest ("" if absent or unreadable:
// DecodeJSON then reports what is wrong).
func manifestNamespace(body []byte) string {
	var m struct {
		Metadata struct {
			Namespace string `json:"namespace"`
		} `json:"metadata"`
	}
	_ = json.Unmarshal(body, &m)
	return m.Metadata.Namespace
}

func checkNamespace(path, manifest string) error {
	if errs := validation.IsDNS1123Label(path); len(errs) > 0 {
		return apierrors.NewBadRequest(fmt.Sprintf("namespace %q: %s", path, strings.Join(errs, "; ")))
	}
	if manifest != "" && manifest != path {
		return apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	return nil
}

func (h *handlers) deletePod(w http.ResponseWriter, r *http.Request) {
	grace, err := gracePeriod(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	name := r.PathValue("name")
	if dry, _ := dryRun(r); dry { // the pod must exist; nothing is stopped
		if _, err := h.b.Get(r.PathValue("ns"), name); err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, successStatus("pods", name))
		return
	}
	if err := h.b.Delete(r.Context(), r.PathValue("ns"), name, grace); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, successStatus("pods", name))
}

// gracePeriod reads ?gracePeriodSeconds=N, or else the gracePeriodSeconds of a DeleteOptions
// body (what kubectl sends); nil when neither is given. N must be between 0 and what a
// time.Duration holds.
func gracePeriod(w http.ResponseWriter, r *http.Request) (*int64, error) {
	if v := r.URL.Query().Get("gracePeriodSeconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("gracePeriodSeconds: invalid value %q: must be an integer", v))
		}
		return &n, checkGrace(n)
	}
	body, done, err := readBody(w, r)
	defer done()
	if err != nil || len(body) == 0 {
		return nil, err
	}
	var opts metav1.DeleteOptions
	if err := json.Unmarshal(body, &opts); err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("decode DeleteOptions: %v", err))
	}
	if g := opts.GracePeriodSeconds; g != nil {
		return g, checkGrace(*g)
	}
	return nil, nil
}

func checkGrace(n int64) error {
	if n < 0 || n > manifest.MaxGracePeriodSeconds {
		return apierrors.NewBadRequest(fmt.Sprintf("gracePeriodSeconds: invalid value %d: must be between 0 and %d",
			n, manifest.MaxGracePeriodSeconds))
	}
	return nil
}

// shutdown answers first, then asks the backend to stop everything (which may end the process).
func (h *handlers) shutdown(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, successStatus("podd", "shutdown"))
	http.NewResponseController(w).Flush()
	go h.b.Shutdown()
}

func withPodType(p *corev1.Pod) *corev1.Pod {
	if p == nil {
		return nil
	}
	out := *p
	out.TypeMeta = podTypeMeta
	return &out
}
