package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/podd/podd/internal/fakebackend"
	"github.com/podd/podd/podopts"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// rawRequest sends method path with body on a fresh connection to the socket and returns the
// status code and the decoded metav1.Status. The body is written while the answer is read, so
// a server that answers early (413) and closes is seen as it is.
func rawRequest(t *testing.T, sock, method, path string, length int64, body io.Reader) (int, *metav1.Status) {
	t.Helper()
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: podd\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		method, path, length)
	go io.Copy(conn, body) // fails with EPIPE once the server has closed: that is fine
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s %s: read response: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var st metav1.Status
	if err := json.Unmarshal(data, &st); err != nil || st.Kind != "Status" {
		t.Fatalf("%s %s: %d, body %q is not a Status", method, path, resp.StatusCode, data)
	}
	return resp.StatusCode, &st
}

// repeat is a reader of n bytes: prefix, then fill repeated.
func repeat(prefix string, fill byte, n int64) io.Reader {
	return io.MultiReader(strings.NewReader(prefix),
		io.LimitReader(byteReader(fill), n-int64(len(prefix))))
}

type byteReader byte

func (b byteReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

const defaultPods = "/api/v1/namespaces/default/pods"

// TestHostileBodies sends the bodies an attacker would: each gets a 4xx Status naming the
// problem and the server still answers afterwards.
func TestHostileBodies(t *testing.T) {
	_, c, sock := startServer(t)
	deep := strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)
	cases := []struct {
		name   string
		length int64
		body   func() io.Reader
		code   int
		want   string
	}{
		{"4 MB of [", 4_000_000, func() io.Reader { return repeat("", '[', 4_000_000) }, 413, "request body too large"},
		{"2 MB of [", 2_000_000, func() io.Reader { return repeat("", '[', 2_000_000) }, 422, "nesting depth"},
		{"10000-deep objects", int64(len(deep)), func() io.Reader { return strings.NewReader(deep) }, 422, "nesting depth"},
		{"just over 3 MiB", 3<<20 + 1, func() io.Reader { return repeat(`{"a":"`, 'x', 3<<20+1) }, 413, "3145728"},
		{"100 MB", 100_000_000, func() io.Reader { return repeat(`{"a":"`, 'x', 100_000_000) }, 413, "request body too large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, st := rawRequest(t, sock, "POST", defaultPods, tc.length, tc.body())
			if code != tc.code || st.Code != int32(tc.code) || !strings.Contains(st.Message, tc.want) {
				t.Errorf("got %d %+v, want %d with %q", code, st, tc.code, tc.want)
			}
			if err := c.Health(context.Background()); err != nil {
				t.Fatalf("server gone after the request: %v", err)
			}
		})
	}
}

// TestSlowBodyIsCut trickles a body one byte at a time: the server answers 408 once the body
// deadline has passed instead of waiting for ever.
func TestSlowBodyIsCut(t *testing.T) {
	old := bodyTimeout
	bodyTimeout = 500 * time.Millisecond
	t.Cleanup(func() { bodyTimeout = old })
	_, c, sock := startServer(t)
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() {
		for _, b := range []byte(webPod) {
			if _, err := pw.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
	}()
	start := time.Now()
	code, st := rawRequest(t, sock, "POST", defaultPods, int64(len(webPod)), pr)
	if code != http.StatusRequestTimeout || st.Reason != metav1.StatusReasonTimeout {
		t.Errorf("got %d %+v, want 408 Timeout", code, st)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("answered after %v", d)
	}
	if err := c.Health(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestDeleteGraceBounds: a grace period past what time.Duration holds is refused, as is a
// negative one.
func TestDeleteGraceBounds(t *testing.T) {
	b, c, sock := startServer(t)
	if _, _, err := c.Apply(context.Background(), "default", []byte(webPod)); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"9223372036854775807", "9223372037", "-1", "1e3"} {
		code, st := rawRequest(t, sock, "DELETE", defaultPods+"/web?gracePeriodSeconds="+q, 0, &bytes.Buffer{})
		if code != http.StatusBadRequest || !strings.Contains(st.Message, "gracePeriodSeconds") {
			t.Errorf("gracePeriodSeconds=%s: got %d %+v, want 400 naming gracePeriodSeconds", q, code, st)
		}
	}
	body := `{"kind":"DeleteOptions","apiVersion":"v1","gracePeriodSeconds":9223372036854775807}`
	code, st := rawRequest(t, sock, "DELETE", defaultPods+"/web", int64(len(body)), strings.NewReader(body))
	if code != http.StatusBadRequest || !strings.Contains(st.Message, "gracePeriodSeconds") {
		t.Errorf("DeleteOptions body: got %d %+v, want 400", code, st)
	}
	if len(b.Graces) != 0 {
		t.Fatalf("backend deleted with grace %v", b.Graces)
	}
	code, _ = rawRequest(t, sock, "DELETE", defaultPods+"/web?gracePeriodSeconds=9223372036", 0, &bytes.Buffer{})
	if code != http.StatusOK {
		t.Fatalf("the largest grace period: %d", code)
	}
}

// TestServerLimits checks the slow-client settings of the server itself.
func TestServerLimits(t *testing.T) {
	srv := newServer(fakebackend.New())
	if srv.ReadHeaderTimeout == 0 || srv.IdleTimeout == 0 || srv.MaxHeaderBytes == 0 || srv.MaxHeaderBytes > 1<<20 {
		t.Fatalf("server limits: header timeout %v, idle %v, max header bytes %d",
			srv.ReadHeaderTimeout, srv.IdleTimeout, srv.MaxHeaderBytes)
	}
	if srv.ReadTimeout != 0 || srv.WriteTimeout != 0 {
		t.Fatalf("global read/write timeouts %v/%v would cut exec and logs -f", srv.ReadTimeout, srv.WriteTimeout)
	}
}

// TestLogsClientNotReading: a logs -f client that stops reading is cut after
// streamWriteTimeout; the backend's writes fail instead of blocking for ever.
func TestLogsClientNotReading(t *testing.T) {
	old := streamWriteTimeout
	streamWriteTimeout = 500 * time.Millisecond
	t.Cleanup(func() { streamWriteTimeout = old })
	b, c, sock := startServer(t)
	if _, _, err := c.Apply(context.Background(), "default", []byte(webPod)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	b.LogsFunc = func(ctx context.Context, opts podopts.LogOptions, w io.Writer) error {
		line := []byte(strings.Repeat("x", 1023) + "\n")
		for {
			if _, err := w.Write(line); err != nil {
				done <- err
				return err
			}
		}
	}
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s/web/log?follow=true HTTP/1.1\r\nHost: podd\r\n\r\n", defaultPods)
	select { // never read from conn
	case err := <-done:
		t.Logf("backend write failed as expected: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the backend is still writing to a client that reads nothing")
	}
}
