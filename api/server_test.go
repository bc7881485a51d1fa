package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podd/podd/api/client"
	"github.com/podd/podd/internal/fakebackend"
	"github.com/podd/podd/internal/testutil"
	"github.com/podd/podd/podopts"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// startServer serves a fake backend on a socket in a temp dir and returns a client for it.
func startServer(t *testing.T) (*fakebackend.Backend, *client.Client, string) {
	t.Helper()
	testutil.RequireRoot(t) // the server only answers root peers
	path := filepath.Join(t.TempDir(), "podd.sock")
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	b := fakebackend.New()
	srv := Serve(l, b)
	t.Cleanup(func() { srv.Close() })
	return b, client.New(path), path
}

const webPod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"},
 "spec":{"containers":[{"name":"web","image":"/images/busybox"}]}}`

func TestApplyGetListDelete(t *testing.T) {
	b, c, _ := startServer(t)
	ctx := context.Background()
	pod, created, err := c.Apply(ctx, "default", []byte(webPod))
	if err != nil || !created || pod.Name != "web" || pod.Namespace != "default" {
		t.Fatalf("first apply: pod=%v created=%v err=%v", pod, created, err)
	}
	if _, created, err = c.Apply(ctx, "default", []byte(webPod)); err != nil || created {
		t.Fatalf("second apply: created=%v err=%v", created, err)
	}
	got, err := c.Get(ctx, "default", "web")
	if err != nil || got.Status.Phase != "Running" || got.Kind != "Pod" || got.APIVersion != "v1" {
		t.Fatalf("get: %+v %v", got, err)
	}
	checkList(t, c, "default", 1)
	checkList(t, c, "", 1)
	checkList(t, c, "other", 0)
	grace := int64(5)
	if err := c.Delete(ctx, "default", "web", &grace); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if len(b.Graces) != 1 || b.Graces[0] == nil || *b.Graces[0] != 5 {
		t.Fatalf("backend saw grace %v", b.Graces)
	}
	checkList(t, c, "", 0)
}

func checkList(t *testing.T, c *client.Client, ns string, want int) {
	t.Helper()
	pods, err := c.List(context.Background(), ns, client.ListOptions{})
	if err != nil || len(pods) != want {
		t.Fatalf("list %q: %d pods, err %v; want %d", ns, len(pods), err, want)
	}
}

func TestNamespaceMismatch(t *testing.T) {
	_, c, _ := startServer(t)
	pod := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"a"},
 "spec":{"containers":[{"name":"web","image":"/images/busybox"}]}}`
	_, _, err := c.Apply(context.Background(), "b", []byte(pod))
	var e *apierrors.StatusError
	if !errors.As(err, &e) || e.ErrStatus.Code != http.StatusBadRequest {
		t.Fatalf("err = %#v, want a 400", err)
	}
}

func TestApplyTakesPathNamespace(t *testing.T) {
	_, c, _ := startServer(t)
	pod, _, err := c.Apply(context.Background(), "other", []byte(webPod))
	if err != nil || pod.Namespace != "other" {
		t.Fatalf("pod %v err %v, want namespace other", pod, err)
	}
}

func TestNotFound(t *testing.T) {
	_, c, path := startServer(t)
	_, err := c.Get(context.Background(), "default", "web")
	var e *apierrors.StatusError
	if !errors.As(err, &e) || e.ErrStatus.Code != 404 || e.ErrStatus.Reason != metav1.StatusReasonNotFound {
		t.Fatalf("err = %#v", err)
	}
	if err.Error() != `pods "web" not found` {
		t.Fatalf("message %q", err.Error())
	}
	if err := c.Delete(context.Background(), "default", "web", nil); !errors.As(err, &e) || e.ErrStatus.Code != 404 {
		t.Fatalf("delete: %v", err)
	}
	checkRawStatus(t, path, "/api/v1/namespaces/default/pods/web", 404, "NotFound")
}

// checkRawStatus checks the wire format: status code and a metav1.Status body.
func checkRawStatus(t *testing.T, sock, path string, code int, reason string) {
	t.Helper()
	resp, err := socketHTTP(sock).Get(baseURL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != code || !strings.Contains(string(body), `"kind":"Status"`) ||
		!strings.Contains(string(body), `"reason":"`+reason+`"`) {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
}

func TestInvalid(t *testing.T) {
	_, c, _ := startServer(t)
	pod := strings.Replace(webPod, "busybox", "bad", 1)
	_, _, err := c.Apply(context.Background(), "default", []byte(pod))
	var e *apierrors.StatusError
	if !errors.As(err, &e) || e.ErrStatus.Code != http.StatusUnprocessableEntity || e.ErrStatus.Reason != metav1.StatusReasonInvalid {
		t.Fatalf("err = %#v", err)
	}
	if err.Error() != fakebackend.BadImageMessage {
		t.Fatalf("message %q, want %q", err.Error(), fakebackend.BadImageMessage)
	}
}

func TestUnknownFieldIsInvalid(t *testing.T) {
	_, c, _ := startServer(t)
	pod := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"},
 "spec":{"containers":[{"name":"web","image":"/images/busybox","bogus":1}]}}`
	_, _, err := c.Apply(context.Background(), "default", []byte(pod))
	var e *apierrors.StatusError
	if !errors.As(err, &e) || e.ErrStatus.Code != http.StatusUnprocessableEntity {
		t.Fatalf("err = %#v", err)
	}
	if !strings.Contains(err.Error(), "spec.containers[0].bogus") {
		t.Fatalf("message %q does not name the field", err.Error())
	}
}

func TestSocketMode(t *testing.T) {
	_, _, path := startServer(t)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want a socket with 0600", fi.Mode())
	}
}

func TestListenReplacesStaleSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "podd.sock")
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(path); err == nil {
		t.Fatal("second Listen on a live socket succeeded")
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	l, err = Listen(path)
	if err != nil {
		t.Fatalf("listen over a stale socket: %v", err)
	}
	l.Close()
}

func TestHealthAndShutdown(t *testing.T) {
	b, c, _ := startServer(t)
	if err := c.Health(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.Shutdowns:
	case <-time.After(5 * time.Second):
		t.Fatal("backend Shutdown not called")
	}
}

func TestCheckPeer(t *testing.T) {
	if err := checkPeer(&unix.Ucred{Pid: 1, Uid: 0}); err != nil {
		t.Fatalf("root refused: %v", err)
	}
	for _, cred := range []*unix.Ucred{nil, {Pid: 1, Uid: 65534}} {
		var e *apierrors.StatusError
		if err := checkPeer(cred); !errors.As(err, &e) || e.ErrStatus.Code != http.StatusForbidden {
			t.Fatalf("cred %+v: err %v, want 403", cred, err)
		}
	}
}

func TestLogsFollow(t *testing.T) {
	b, c, _ := startServer(t)
	if _, _, err := c.Apply(context.Background(), "default", []byte(webPod)); err != nil {
		t.Fatal(err)
	}
	backendDone := make(chan podopts.LogOptions, 1)
	b.LogsFunc = func(ctx context.Context, opts podopts.LogOptions, w io.Writer) error {
		io.WriteString(w, "line 1\n")
		<-ctx.Done() // like a follow: wait for more output until the client goes away
		backendDone <- opts
		return ctx.Err()
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- c.Logs(ctx, "default", "web", podopts.LogOptions{Container: "web", Follow: true, TailLines: 10}, pw)
	}()
	line := make([]byte, len("line 1\n"))
	if _, err := io.ReadFull(pr, line); err != nil || string(line) != "line 1\n" {
		t.Fatalf("read %q, %v", line, err)
	}
	cancel()
	go io.Copy(io.Discard, pr)
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Logs returned %v, want context.Canceled", err)
	}
	select {
	case opts := <-backendDone:
		if !opts.Follow || opts.Container != "web" || opts.TailLines != 10 || opts.Previous {
			t.Fatalf("backend got %+v", opts)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("backend Logs not cancelled")
	}
}

func TestLogsNotFound(t *testing.T) {
	_, c, _ := startServer(t)
	var out bytes.Buffer
	err := c.Logs(context.Background(), "default", "nope", podopts.LogOptions{TailLines: -1}, &out)
	var e *apierrors.StatusError
	if !errors.As(err, &e) || e.ErrStatus.Code != 404 {
		t.Fatalf("err = %v", err)
	}
}

// baseURL is a placeholder host: every connection goes to the socket.
const baseURL = "http://podd"

// socketHTTP is a plain HTTP client of the socket, to check the wire format itself.
func socketHTTP(sock string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
}
