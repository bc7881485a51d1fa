package api

import (
	"net/http"

	"github.com/podd/podd/podopts"
)

// ProbeBackend is a Backend that keeps its probes' last results (podd's runtime).
type ProbeBackend interface {
	ProbeResults(namespace, name string) (podopts.PodProbes, error)
}

// probes answers GET /podd/v1/namespaces/{ns}/pods/{name}/probes: the last result of each
// probe of the pod's containers (`podctl describe pod`).
func (h *handlers) probes(w http.ResponseWriter, r *http.Request) {
	pb, ok := h.b.(ProbeBackend)
	if !ok {
		notFound(w, r)
		return
	}
	res, err := pb.ProbeResults(r.PathValue("ns"), r.PathValue("name"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
