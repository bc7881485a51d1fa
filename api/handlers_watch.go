package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/podd/podd/podtable"
)

// A watch (?watch=true on a list) answers as the API server does: a chunked stream of
// metav1.WatchEvent objects, one JSON object per line, first an ADDED for each object the list
// has now (what a watch without resourceVersion sends), then every change, until the client
// goes, ?timeoutSeconds= passes, or podd drops a watcher that lags behind.

// isWatch reports whether the query asks for a watch (?watch=true or 1).
func isWatch(r *http.Request) bool {
	v, _ := strconv.ParseBool(r.URL.Query().Get("watch"))
	return v
}

// watchTimeout is ?timeoutSeconds= (0: none).
func watchTimeout(r *http.Request) (time.Duration, error) {
	v := r.URL.Query().Get("timeoutSeconds")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return 0, apierrors.NewBadRequest(fmt.Sprintf("timeoutSeconds: invalid value %q: must be a non-negative integer", v))
	}
	return time.Duration(n) * time.Second, nil
}

// watchStream writes watch events to a client.
type watchStream struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func startWatch(w http.ResponseWriter, contentType string) *watchStream {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Transfer-Encoding", "chunked")
	w.WriteHeader(http.StatusOK)
	s := &watchStream{w: w, rc: http.NewResponseController(w)}
	_ = s.rc.Flush()
	return s
}

// send writes one event; false when the client is gone.
func (s *watchStream) send(kind watch.EventType, obj runtime.Object) bool {
	raw, err := json.Marshal(obj)
	if err != nil {
		return false
	}
	line, err := json.Marshal(metav1.WatchEvent{Type: string(kind), Object: runtime.RawExtension{Raw: raw}})
	if err != nil {
		return false
	}
	if _, err := s.w.Write(append(line, '\n')); err != nil {
		return false
	}
	return s.rc.Flush() == nil
}

// follow sends what convert makes of each change (nil: not for this watch) until the client
// goes, the timeout passes or the channel closes.
func (s *watchStream) follow(r *http.Request, ch <-chan watch.Event, timeout time.Duration, convert func(watch.Event) runtime.Object) {
	var expire <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expire = t.C
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-expire:
			return
		case ev, ok := <-ch:
			if !ok {
				return
			}
			if obj := convert(ev); obj != nil && !s.send(ev.Type, obj) {
				return
			}
		}
	}
}

// watchPods serves a watch of pods: the objects, or one-row Tables when a Table is asked for.
func (h *handlers) watchPods(w http.ResponseWriter, r *http.Request, q getQuery) {
	timeout, err := watchTimeout(r)
	if err != nil {
		writeError(w, err)
		return
	}
	ch, cancel := h.b.WatchPods() // before the list, so no change falls in between
	defer cancel()
	ns, name := r.PathValue("ns"), r.PathValue("name")
	pods, err := h.readPods(ns, "", q)
	if err != nil {
		writeError(w, err)
		return
	}
	keep := func(p *corev1.Pod) bool {
		return (ns == "" || p.Namespace == ns) && (name == "" || p.Name == name) && q.keeps(p)
	}
	convert := func(p *corev1.Pod) runtime.Object {
		if q.table {
			return podtable.Table([]corev1.Pod{*p}, time.Now(), q.include)
		}
		return withPodType(p)
	}
	contentType := "application/json"
	if q.table {
		contentType = tableMediaType
	}
	s := startWatch(w, contentType)
	for i := range pods {
		if keep(&pods[i]) && !s.send(watch.Added, convert(&pods[i])) {
			return
		}
	}
	s.follow(r, ch, timeout, func(ev watch.Event) runtime.Object {
		if p, ok := ev.Object.(*corev1.Pod); ok && keep(p) {
			return convert(p)
		}
		return nil
	})
}

// watchEvents serves a watch of events that sel selects in namespace ns ("" for all).
func (h *handlers) watchEvents(w http.ResponseWriter, r *http.Request, sel fields.Selector) {
	timeout, err := watchTimeout(r)
	if err != nil {
		writeError(w, err)
		return
	}
	ch, cancel := h.b.WatchEvents()
	defer cancel()
	ns := r.PathValue("ns")
	items, err := h.selectEvents(ns, sel)
	if err != nil {
		writeError(w, err)
		return
	}
	s := startWatch(w, "application/json")
	for i := range items {
		if !s.send(watch.Added, &items[i]) {
			return
		}
	}
	s.follow(r, ch, timeout, func(ev watch.Event) runtime.Object {
		if e, ok := ev.Object.(*corev1.Event); ok && (ns == "" || e.Namespace == ns) && sel.Matches(eventFields(e)) {
			return e
		}
		return nil
	})
}
