package local

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A -f URL is fetched as kubectl's readHttpWithRetries does: a 5xx is tried again, up to three
// attempts, and the manifest of a later one is taken; another status is not tried again; after
// three 5xx the error is the last one's.
func TestReadURLRetries(t *testing.T) {
	for _, tc := range []struct {
		statuses []int
		tries    int32
		data     string
		err      string
	}{
		{statuses: []int{503, 502, 200}, tries: 3, data: "kind: Pod\n"},
		{statuses: []int{500, 500, 500, 200}, tries: 3, err: "server reported 500 Internal Server Error, status code=500"},
		{statuses: []int{404, 200}, tries: 1, err: "server reported 404 Not Found, status code=404"},
		{statuses: []int{200}, tries: 1, data: "kind: Pod\n"},
	} {
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			code := tc.statuses[n.Add(1)-1]
			w.WriteHeader(code)
			if code == 200 {
				w.Write([]byte("kind: Pod\n"))
			}
		}))
		f := readURL(context.Background(), srv.URL+"/pod.yaml", 3, time.Millisecond)
		srv.Close()
		if n.Load() != tc.tries || string(f.Data) != tc.data || !strings.Contains(f.Error, tc.err) || (tc.err == "") != (f.Error == "") {
			t.Errorf("%v: %d tries, data %q, error %q; want %d, %q, %q", tc.statuses, n.Load(), f.Data, f.Error, tc.tries, tc.data, tc.err)
		}
	}
}
