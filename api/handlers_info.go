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
