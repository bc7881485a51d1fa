package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/podd/podd/api/client"
	"github.com/podd/podd/internal/fakebackend"
	"github.com/podd/podd/internal/testutil"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// echoSum is a TCP server that reads its peer to EOF, then answers the sha256 of what it
// read and closes: only a half-close that went through gets an answer.
func echoSum(t testing.TB) net.Listener {
	return testutil.ServeEach(t, func(c net.Conn) {
		defer c.Close()
		h := sha256.New()
		if _, err := io.Copy(h, c); err != nil {
			return
		}
		fmt.Fprintf(c, "%x", h.Sum(nil))
	})
}

// forwardTo starts the API with a backend whose port-forward dials l.
func forwardTo(t testing.TB, l net.Listener) *client.Client {
	c, _ := forwardToAt(t, l)
	return c
}

// forwardToAt is forwardTo that also returns the API socket's path.
func forwardToAt(t testing.TB, l net.Listener) (*client.Client, string) {
	testutil.RequireRoot(t)
	path := filepath.Join(t.TempDir(), "podd.sock")
	sl, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	b, c := fakebackend.New(), client.New(path)
	srv := Serve(sl, b)
	t.Cleanup(func() { srv.Close() })
	if _, _, err := c.Apply(context.Background(), "default", []byte(webPod)); err != nil {
		t.Fatal(err)
	}
	b.ForwardFunc = func(ctx context.Context, port int32) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", l.Addr().String())
	}
	return c, path
}

// sendAndSum sends data through a forwarded connection, half-closes it and returns the answer.
func sendAndSum(c *client.Client, data []byte) (string, error) {
	f, err := c.PortForward(context.Background(), "default", "web", 8080)
	if err != nil {
		return "", err
	}
	defer f.Conn.Close()
	errc := make(chan error, 1)
	go func() {
		_, err := f.Conn.Write(data)
		if err == nil {
			err = f.Conn.CloseWrite()
		}
		errc <- err
	}()
	got, err := io.ReadAll(io.MultiReader(bytes.NewReader(f.Early), f.Conn))
	if werr := <-errc; werr != nil {
		return "", werr
	}
	return string(got), err
}

func sum(data []byte) string { return fmt.Sprintf("%x", sha256.Sum256(data)) }

func TestPortForwardHalfCloseAndLargeTransfer(t *testing.T) {
	c := forwardTo(t, echoSum(t))
	for _, size := range []int{0, 1, 64 << 10, 64 << 20} {
		data := bytes.Repeat([]byte("podd-portforward"), size/16)
		got, err := sendAndSum(c, data)
		if err != nil || got != sum(data) {
			t.Fatalf("%d bytes: got %q, %v; want %s", len(data), got, err, sum(data))
		}
	}
}

func TestPortForwardParallel(t *testing.T) {
	c := forwardTo(t, echoSum(t))
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := bytes.Repeat([]byte{byte(i)}, 256<<10+i)
			got, err := sendAndSum(c, data)
			if err == nil && got != sum(data) {
				err = fmt.Errorf("connection %d: wrong answer %q", i, got)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestPortForwardServerSpeaksFirst: what the pod sends before the client writes anything (a
// banner) arrives, whether or not it came with podd's answer.
func TestPortForwardServerSpeaksFirst(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			io.WriteString(conn, "220 hello\n")
			io.Copy(conn, conn)
			conn.Close()
		}
	}()
	got, err := sendAndSum(forwardTo(t, l), []byte("ping\n"))
	if err != nil || got != "220 hello\nping\n" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestPortForwardErrors(t *testing.T) {
	b, c, _ := startServer(t)
	_, err := c.PortForward(context.Background(), "default", "web", 8080)
	if !apierrors.IsNotFound(err) {
		t.Fatalf("missing pod: %v", err)
	}
	if _, _, err := c.Apply(context.Background(), "default", []byte(webPod)); err != nil {
		t.Fatal(err)
	}
	b.ForwardFunc = func(context.Context, int32) (net.Conn, error) {
		return nil, errors.New("error forwarding port 8080 to pod 1234, uid : dial tcp4 127.0.0.1:8080: connect: connection refused")
	}
	_, err = c.PortForward(context.Background(), "default", "web", 8080)
	var se *apierrors.StatusError
	if !errors.As(err, &se) || se.ErrStatus.Code != 500 || !strings.HasSuffix(se.ErrStatus.Message, "connect: connection refused") {
		t.Fatalf("refused port: %v", err)
	}
	for _, port := range []int{0, 65536, -1} {
		_, err = c.PortForward(context.Background(), "default", "web", port)
		if !apierrors.IsBadRequest(err) {
			t.Errorf("port %d: %v", port, err)
		}
	}
}
