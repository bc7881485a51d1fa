package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// benchPods are n copies of a pod podd answered (testdata/pod.json: one running container),
// each with its own name.
func benchPods(tb testing.TB, n int) *podsBackend {
	data, err := os.ReadFile("testdata/pod.json")
	if err != nil {
		tb.Fatal(err)
	}
	var pod corev1.Pod
	if err := json.Unmarshal(data, &pod); err != nil {
		tb.Fatal(err)
	}
	b := &podsBackend{pods: make([]corev1.Pod, n)}
	for i := range b.pods {
		pod.DeepCopyInto(&b.pods[i])
		b.pods[i].Name = fmt.Sprintf("pod-%04d", i)
	}
	return b
}

// BenchmarkGetPodsTable1000 is podd's side of `podctl get pods` at 1000 pods: visit the pods
// (no copies, as the runtime's PodVisitor), compute the table and write it as JSON; -copies is
// the same from List's deep copies (before PodVisitor); beside them the table with each row's
// metadata, and the full PodList podctl used to read.
func BenchmarkGetPodsTable1000(b *testing.B) {
	pods := benchPods(b, 1000)
	for _, c := range []struct {
		name, query, accept string
		copies              bool // the table made from List's copies, as before PodVisitor
	}{
		{"table", "?includeObject=None", kubectlAccept, false},
		{"table-copies", "?includeObject=None", kubectlAccept, true},
		{"table-metadata", "", kubectlAccept, false},
		{"table-metadata-copies", "", kubectlAccept, true},
		{"podlist", "", "application/json", false},
	} {
		b.Run(c.name, func(b *testing.B) {
			var backend Backend = pods
			if c.copies {
				backend = listOnly{pods}
			}
			h := routes(backend)
			r := httptest.NewRequest(http.MethodGet, "/api/v1/namespaces/default/pods"+c.query, nil)
			r.Header.Set("Accept", c.accept)
			var size int
			for b.Loop() {
				w := &countingWriter{header: http.Header{}}
				h.ServeHTTP(w, r)
				size = w.n
			}
			b.ReportMetric(float64(size), "bytes/answer")
		})
	}
}

// BenchmarkListCopies1000 is the part of the above that is the backend's list: 1000 deep copies.
func BenchmarkListCopies1000(b *testing.B) {
	pods := benchPods(b, 1000)
	for b.Loop() {
		if _, err := pods.List("default"); err != nil {
			b.Fatal(err)
		}
	}
}

// countingWriter is a ResponseWriter that only counts the body.
type countingWriter struct {
	header http.Header
	n      int
}

func (w *countingWriter) Header() http.Header { return w.header }
func (w *countingWriter) WriteHeader(int)     {}
func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	return io.Discard.Write(p)
}
