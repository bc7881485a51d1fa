package api

import (
	"encoding/json"
	"net/http"
	"sync"

	"github.com/podd/podd/api/wire"
)

// pullWithProgress answers a pull as JSON lines (wire.PullEvent): each layer's progress as
// the pull reports it, then the image or the error.
func pullWithProgress(b ImageBackend, w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	enc := json.NewEncoder(w)
	var mu sync.Mutex
	done := false
	send := func(ev wire.PullEvent) {
		mu.Lock()
		defer mu.Unlock()
		if done { // a report of the shared pull racing its end
			return
		}
		_ = enc.Encode(ev) // the peer may be gone; the pull goes on for others
		_ = rc.Flush()
	}
	info, err := b.PullImage(r.Context(), r.URL.Query().Get("image"), func(p wire.PullProgress) {
		send(wire.PullEvent{Progress: &p})
	})
	final := wire.PullEvent{Image: &info}
	if err != nil {
		st, _ := json.Marshal(failureStatus(err))
		final = wire.PullEvent{Error: st}
	}
	send(final)
	mu.Lock()
	done = true
	mu.Unlock()
}
