package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/podopts"
	"golang.org/x/sys/unix"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func TestExecRoundTrip(t *testing.T) {
	b, c, _ := startServer(t)
	if _, _, err := c.Apply(context.Background(), "default", []byte(webPod)); err != nil {
		t.Fatal(err)
	}
	b.ExecFunc = func(_ context.Context, opts podopts.ExecOptions, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
		in, err := io.ReadAll(stdin) // ends at the client's zero-length stdin frame
		if err != nil {
			return -1, err
		}
		fmt.Fprintf(stdout, "out:%s:%s", strings.Join(opts.Command, " "), in)
		fmt.Fprintf(stderr, "err:%s", opts.Container)
		return 3, nil
	}
	var stdout, stderr bytes.Buffer
	opts := podopts.ExecOptions{Container: "web", Command: []string{"sh", "-c", "x"}, Stdin: true}
	code, err := c.Exec(context.Background(), "default", "web", opts, strings.NewReader("hello"), &stdout, &stderr)
	if err != nil || code != 3 {
		t.Fatalf("code %d err %v", code, err)
	}
	if stdout.String() != "out:sh -c x:hello" || stderr.String() != "err:web" {
		t.Fatalf("stdout %q stderr %q", stdout.String(), stderr.String())
	}
}

func TestExecLargeOutput(t *testing.T) {
	b, c, _ := startServer(t)
	if _, _, err := c.Apply(context.Background(), "default", []byte(webPod)); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("0123456789"), 100_000)
	b.ExecFunc = func(_ context.Context, _ podopts.ExecOptions, stdin io.Reader, stdout, _ io.Writer) (int, error) {
		if stdin != nil {
			return -1, errors.New("stdin given without opts.Stdin")
		}
		stdout.Write(big)
		return 0, nil
	}
	var stdout bytes.Buffer
	code, err := c.Exec(context.Background(), "default", "web", podopts.ExecOptions{Command: []string{"cat"}}, nil, &stdout, nil)
	if err != nil || code != 0 || !bytes.Equal(stdout.Bytes(), big) {
		t.Fatalf("code %d err %v, %d bytes", code, err, stdout.Len())
	}
}

func TestExecErrors(t *testing.T) {
	b, c, _ := startServer(t)
	opts := podopts.ExecOptions{Command: []string{"true"}}
	_, err := c.Exec(context.Background(), "default", "web", opts, nil, io.Discard, io.Discard)
	var e *apierrors.StatusError
	if !errors.As(err, &e) || e.ErrStatus.Code != 404 {
		t.Fatalf("missing pod: %v", err)
	}
	if _, _, err := c.Apply(context.Background(), "default", []byte(webPod)); err != nil {
		t.Fatal(err)
	}
	b.ExecFunc = func(context.Context, podopts.ExecOptions, io.Reader, io.Writer, io.Writer) (int, error) {
		return -1, errors.New(`container "nope" not found`)
	}
	_, err = c.Exec(context.Background(), "default", "web", opts, nil, io.Discard, io.Discard)
	if err == nil || err.Error() != `container "nope" not found` {
		t.Fatalf("backend error: %v", err)
	}
	_, err = c.Exec(context.Background(), "default", "web", podopts.ExecOptions{}, nil, io.Discard, io.Discard)
	if !errors.As(err, &e) || e.ErrStatus.Code != 400 {
		t.Fatalf("no command: %v", err)
	}
}

// TestNonRootPeerRejected connects as uid 65534 and expects 403. The connecting thread alone
// takes euid 65534 (raw setresuid acts on one thread, unlike syscall.Setresuid); SO_PEERCRED
// records the credentials of the thread that called connect. The thread is never unlocked, so
// the runtime discards it when the goroutine ends.
func TestNonRootPeerRejected(t *testing.T) {
	_, _, path := startServer(t)
	openToAll(t, path)
	c := &http.Client{Transport: &http.Transport{
		DialContext: func(context.Context, string, string) (net.Conn, error) { return dialAsUID(path, 65534) },
	}}
	resp, err := c.Get(baseURL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "uid 65534") {
		t.Fatalf("got %d %s, want 403", resp.StatusCode, body)
	}
}

// openToAll lets any user reach the socket, so that only the peer check stands in the way.
func openToAll(t *testing.T, sock string) {
	t.Helper()
	for p := sock; p != "/" && p != os.TempDir(); p = filepath.Dir(p) {
		if err := os.Chmod(p, 0o777); err != nil {
			t.Fatal(err)
		}
	}
}

func dialAsUID(path string, uid int) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: this thread keeps the foreign uid until it dies
		keep := ^uintptr(0)    // -1: leave unchanged
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, keep, uintptr(uid), keep); e != 0 {
			ch <- result{nil, fmt.Errorf("setresuid: %w", e)}
			return
		}
		c, err := net.Dial("unix", path)
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

// TestStreamBadFlags sends exec and attach requests with stdin and tty values that are not
// booleans: each is a 400 naming the parameter and its value, before any upgrade.
func TestStreamBadFlags(t *testing.T) {
	_, c, sock := startServer(t)
	if _, _, err := c.Apply(context.Background(), "default", []byte(webPod)); err != nil {
		t.Fatal(err)
	}
	hc := socketHTTP(sock)
	for _, path := range []string{
		"/api/v1/namespaces/default/pods/web/exec?command=true&stdin=maybe",
		"/api/v1/namespaces/default/pods/web/exec?command=true&tty=2x",
		"/api/v1/namespaces/default/pods/web/attach?stdin=maybe",
		"/api/v1/namespaces/default/pods/web/attach?stdin=1&tty=yes%00",
	} {
		req, _ := http.NewRequest(http.MethodPost, baseURL+path, nil)
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", wire.ExecProtocol)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "invalid value") {
			t.Errorf("%s: %d %s; want 400 naming the bad value", path, resp.StatusCode, body)
		}
	}
	// The server still serves a good attach afterwards.
	var out bytes.Buffer
	if err := c.Attach(context.Background(), "default", "web", podopts.ExecOptions{Container: "web"}, nil, &out, io.Discard); err != nil || !strings.Contains(out.String(), "attached to web") {
		t.Fatalf("attach after the bad ones: %v %q", err, out.String())
	}
}
