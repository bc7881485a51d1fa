package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/internal/fakebackend"
	"github.com/podd/podd/internal/testutil"
	corev1 "k8s.io/api/core/v1"
)

// lockedBuffer is the server's error log: net/http writes there the panic of a handler,
// which it recovers from (the fuzzer would not see it otherwise).
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	b.buf.Reset()
	return s
}

// requestTimeout is how long a fuzzed request's connection stays open (a watch, logs -f or an
// exec runs until then).
const requestTimeout = 300 * time.Millisecond

func apiRequestSeeds(f *testing.F) {
	frame := func(stream byte, p string) string {
		var b bytes.Buffer
		wire.WriteFrame(&b, stream, []byte(p))
		return b.String()
	}
	exec := "Upgrade: " + wire.ExecProtocol + "\r\nConnection: Upgrade"
	forward := "Upgrade: " + wire.PortForwardProtocol + "\r\nConnection: Upgrade"
	for _, s := range [][4]string{
		{"GET", "/api/v1/namespaces/default/pods", "Accept: application/json;as=Table;v=v1;g=meta.k8s.io", ""},
		{"GET", "/api/v1/pods?labelSelector=app%3Dweb,tier!%3Ddb&watch=true&timeoutSeconds=1", "", ""},
		{"GET", "/api/v1/pods?labelSelector=a+in+(b,c", "", ""},
		{"GET", "/api/v1/namespaces/default/pods?watch=1&resourceVersion=x&timeoutSeconds=-1", "", ""},
		{"GET", "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dweb", "", ""},
		{"GET", "/api/v1/namespaces/default/events?fieldSelector=%3D%3D%3D&watch=true", "", ""},
		{"GET", "/api/v1/namespaces/default/pods/web/log?follow=true&tailLines=3&sinceSeconds=5&limitBytes=10&timestamps=1", "", ""},
		{"GET", "/api/v1/namespaces/default/pods/web/log?sinceTime=2020-01-01T00:00:00Z&sinceSeconds=1&previous=maybe", "", ""},
		{"POST", "/api/v1/namespaces/default/pods/web/exec?command=sh&command=-c&command=cat&stdin=true&tty=false", exec, frame(0, "hi") + frame(0, "") + frame(7, "x")},
		{"POST", "/api/v1/namespaces/default/pods/web/exec?command=a%00b", exec, ""},
		{"POST", "/api/v1/namespaces/default/pods/web/exec?command=cat&stdin=1", exec, "\x00\xff\xff\xff\xffshort"},
		{"POST", "/api/v1/namespaces/default/pods/web/attach?container=web&stdin=true&tty=true", exec, frame(0, "x")},
		{"POST", "/api/v1/namespaces/default/pods/web/portforward?port=80", forward, "GET / HTTP/1.0\r\n\r\n"},
		{"POST", "/api/v1/namespaces/default/pods/web/portforward?port=80", forward + "\r\n" + wire.PortForwardHandOver + ": socket", "x"},
		{"POST", "/api/v1/namespaces/default/pods/web/portforward?port=65536", forward, ""},
		{"POST", "/api/v1/namespaces/default/pods", "Content-Type: application/json", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"c","image":"/images/busybox"}]}}`},
		{"POST", "/api/v1/namespaces/default/pods?create=true&dryRun=All", "Content-Type: application/yaml", "kind: Pod\n"},
		{"PATCH", "/api/v1/namespaces/default/pods/web", "Content-Type: application/merge-patch+json", `{"metadata":{"labels":{"a":"b"}}}`},
		{"DELETE", "/api/v1/namespaces/default/pods/x?gracePeriodSeconds=-5", "", `{"gracePeriodSeconds":"x"}`},
		{"DELETE", "/api/v1/namespaces/default/pods/x", "Content-Type: application/json", `{"kind":"DeleteOptions","gracePeriodSeconds":1e99}`},
		{"GET", "/api/v1/namespaces/default/pods/web/files?path=/etc&container=web", "", ""},
		{"PUT", "/api/v1/namespaces/default/pods/web/files?path=/tmp&name=../../x", "", "not a tar"},
		{"GET", "/api/v1/namespaces/default/configmaps", "", ""},
		{"POST", "/api/v1/namespaces/default/secrets", "", `{"kind":"Secret","metadata":{"name":"s"},"data":{"k":"!!"}}`},
		{"POST", "/podd/v1/images/pull?image=%00", "", ""},
		{"POST", "/podd/v1/images/load", "", "\x1f\x8b"},
		{"GET", "/podd/v1/usage?namespace=../..", "", ""},
		{"GET", "/podd/v1/namespaces/default/pods/web/probes", "", ""},
		{"GET", "/podd/v1/info", "", ""},
		{"GET", "/../../etc/passwd", "", ""},
		{"GET", "//api/v1/pods/%2e%2e", "Transfer-Encoding: chunked", "zz\r\n"},
	} {
		f.Add(s[0], s[1], s[2], []byte(s[3]))
	}
}

// FuzzAPIRequest: no request on podd's socket (method, path and query, headers, body, and the
// frames of an upgraded exec, attach or port-forward stream) makes the API server panic, in a
// handler (net/http recovers and logs it) or in a goroutine of its own (the process dies), over
// the fake backend with a pod "web" that echoes port-forward connections.
func FuzzAPIRequest(f *testing.F) {
	apiRequestSeeds(f)
	testutil.RequireRoot(f)
	b := fakebackend.New()
	b.ForwardFunc = func(ctx context.Context, port int32) (net.Conn, error) {
		c1, c2 := net.Pipe()
		go func() { io.Copy(c2, c2); c2.Close() }()
		return c1, nil
	}
	if _, _, err := b.Apply(context.Background(), podFromJSON(f, webPod)); err != nil {
		f.Fatal(err)
	}
	sock := filepath.Join(f.TempDir(), "podd.sock")
	l, err := Listen(sock)
	if err != nil {
		f.Fatal(err)
	}
	var errLog lockedBuffer
	srv := newServer(b)
	srv.ErrorLog = log.New(&errLog, "", 0)
	go srv.Serve(l)
	f.Cleanup(func() { srv.Close() })
	f.Fuzz(func(t *testing.T, method, target, header string, body []byte) {
		c, err := net.Dial("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(requestTimeout))
		if header != "" {
			header += "\r\n"
		}
		fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: podd\r\nConnection: close\r\n%sContent-Length: %d\r\n\r\n%s", method, target, header, len(body), body)
		io.Copy(io.Discard, c)
		c.Close()
		if msg := errLog.take(); strings.Contains(msg, "panic") {
			t.Fatalf("%s %.200q %.200q %.200q: the server panicked: %s", method, target, header, body, msg)
		}
	})
}

func podFromJSON(t testing.TB, s string) *corev1.Pod {
	t.Helper()
	var p corev1.Pod
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		t.Fatal(err)
	}
	p.Namespace = "default"
	return &p
}
