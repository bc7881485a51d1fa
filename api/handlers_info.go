package api

import (
	"net/http"

	"github.com/podd/podd/podopts"
)

// InfoBackend is a Backend that describes itself (podd's runtime does; test fakes need not).
type InfoBackend interface {
	Info() podopts.Info
}

// info answers GET /podd/v1/info: version, cgroup mode, watchers.
func (h *handlers) info(w http.ResponseWriter, r *http.Request) {
	ib, ok := h.b.(InfoBackend)
	if !ok {
		notFound(w, r)
		return
	}
	writeJSON(w, http.StatusOK, ib.Info())
}

// UsageBackend is a Backend that reads its containers' cgroup usage (podd's runtime).
type UsageBackend interface {
	Usage(namespace string) podopts.UsageList
}

// usage answers GET /podd/v1/usage[?namespace=NS]: the running containers' CPU and memory.
func (h *handlers) usage(w http.ResponseWriter, r *http.Request) {
	ub, ok := h.b.(UsageBackend)
	if !ok {
		notFound(w, r)
		return
	}
	writeJSON(w, http.StatusOK, ub.Usage(r.URL.Query().Get("namespace")))
}
