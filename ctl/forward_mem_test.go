package ctl

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/podd/podd/api"
	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/internal/fakebackend"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A `get pods -o json` podd runs for podctl allocates about three times what it prints (3.1x
// here), not fifteen (15.4x before: podd encoded the list for its own API, read it back whole
// over its socket, decoded a second copy of every pod and encoded that again, indented, in one
// piece). At 300 pods the get the density bench runs before reading RSS took podd's RSS up by
// 7.6 MB, against 1.6 MB before the thin podctl. The backend's copies of the pods count.
func TestForwardedGetJSONAllocatesAboutItsOutput(t *testing.T) {
	ratio, n := forwardedAllocRatio(t, "get", "pods", "-o", "json")
	if ratio > 4 {
		t.Errorf("a forwarded get pods -o json of %d bytes allocated %.1fx that, want < 4x (a list decoded and encoded again)", n, ratio)
	}
}

// The table of `get pods` is made in-process too: 113x its output allocated before (encoded,
// then decoded into a second table), 57x now, most of it the fake backend's copies of the pods
// (the runtime makes the rows under each pod's lock, without them).
func TestForwardedGetTableAllocatesLittle(t *testing.T) {
	ratio, n := forwardedAllocRatio(t, "get", "pods", "--show-labels")
	if ratio > 60 {
		t.Errorf("a forwarded get pods of %d bytes allocated %.1fx that, want < 60x (the table decoded again)", n, ratio)
	}
}

// forwardedAllocRatio runs the command through podd's podctl route (NewHandler) over 300 pods
// and returns how many times its output (n bytes of frames) the second run allocated.
func forwardedAllocRatio(t *testing.T, args ...string) (ratio float64, n int) {
	b := fakebackend.New()
	sock := serveWithCommands(t, b)
	for i := range 300 {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("dense-%d", i), Namespace: "default",
			Labels: map[string]string{"app": "dense"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "/images/busybox", Command: []string{"sleep", "3600"}}}}}
		if _, _, err := b.Apply(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	handler := NewHandler(api.NewPodReader(b))
	body, err := json.Marshal(wire.CommandRequest{Args: append([]string{"podctl"}, args...)})
	if err != nil {
		t.Fatal(err)
	}
	run := func(w http.ResponseWriter) {
		r := httptest.NewRequest(http.MethodPost, wire.CommandPath, bytes.NewReader(body))
		handler(w, r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, &net.UnixAddr{Name: sock, Net: "unix"})))
	}
	rec := httptest.NewRecorder()
	run(rec)
	out := rec.Body.String()
	if strings.Count(out, "dense-") < 300 || !strings.HasSuffix(out, "0") {
		t.Fatalf("%q: %.300q", args, out)
	}
	var before, after runtime.MemStats
	w := &countingWriter{header: http.Header{}}
	runtime.ReadMemStats(&before)
	run(w)
	runtime.ReadMemStats(&after)
	ratio = float64(after.TotalAlloc-before.TotalAlloc) / float64(w.n)
	t.Logf("%q: %d bytes of frames, %.1fx that allocated", args, w.n, ratio)
	if w.n != len(out) {
		t.Fatalf("%q: %d bytes the second time, %d the first", args, w.n, len(out))
	}
	return ratio, w.n
}

// countingWriter is an http.ResponseWriter (and Flusher) that keeps nothing but a count.
type countingWriter struct {
	header http.Header
	n      int
}

func (w *countingWriter) Header() http.Header         { return w.header }
func (w *countingWriter) WriteHeader(int)             {}
func (w *countingWriter) Flush()                      {}
func (w *countingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
