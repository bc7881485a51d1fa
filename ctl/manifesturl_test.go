package ctl

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/podd/podd/api/wire"
)

// -f URL applies (and deletes) what the URL serves, as kubectl does; podctl fetches it, and
// through podd's podctl route podd runs the command on what podctl sent. A URL that answers
// 404 is kubectl's error, naming the URL and the status.
func TestApplyURL(t *testing.T) {
	var fetched atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		if r.URL.Path != "/web.yaml" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(urlPods))
	}))
	defer srv.Close()
	viaBoth(t, func(t *testing.T, run podctlRun, sock string) {
		out, errOut, code := run(t, sock, "", "apply", "-f", srv.URL+"/web.yaml")
		if code != 0 || out != "pod/web created\npod/db created\n" {
			t.Fatalf("apply -f URL: %d %q %q", code, out, errOut)
		}
		out, errOut, code = run(t, sock, "", "delete", "-f", srv.URL+"/web.yaml")
		if code != 0 || !strings.Contains(out, `pod "web" deleted`) {
			t.Fatalf("delete -f URL: %d %q %q", code, out, errOut)
		}
		_, errOut, code = run(t, sock, "", "apply", "-f", srv.URL+"/missing.yaml")
		want := `unable to read URL "` + srv.URL + `/missing.yaml", server reported 404 Not Found, status code=404`
		if code == 0 || !strings.Contains(errOut, want) {
			t.Fatalf("apply -f of a URL that is not there: %d %q, want %q", code, errOut, want)
		}
	})
}

const urlPods = `apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers: [{name: c, image: /images/busybox}]
---
apiVersion: v1
kind: Pod
metadata: {name: db}
spec:
  containers: [{name: c, image: /images/busybox}]
`

// podd never fetches a URL itself: a podctl request naming one without sending what it holds
// is refused, and the server sees no request.
func TestCommandRouteFetchesNoURL(t *testing.T) {
	var fetched atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		w.Write([]byte(urlPods))
	}))
	defer srv.Close()
	sock := serveFakeWithCommands(t)
	for _, files := range []map[string]wire.File{nil, {}} {
		_, errOut, code := postCommand(t, sock, wire.CommandRequest{Args: []string{"podctl", "apply", "-f", srv.URL + "/web.yaml"}, Files: files})
		if code == 0 || !strings.Contains(errOut, "podctl did not send it") || fetched.Load() != 0 {
			t.Fatalf("podd ran apply -f URL on its own (files %v): %d %q, %d fetches", files, code, errOut, fetched.Load())
		}
	}
}
