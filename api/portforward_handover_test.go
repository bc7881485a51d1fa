package api

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/podd/podd/api/wire"
)

// TestPortForwardHandsOverTheSocket: the client gets the TCP socket podd dialled (connected to
// the pod's server), so podd carries none of the bytes.
func TestPortForwardHandsOverTheSocket(t *testing.T) {
	l := echoSum(t)
	c := forwardTo(t, l)
	f, err := c.PortForward(context.Background(), "default", "web", 8080)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Conn.Close()
	tc, ok := f.Conn.(*net.TCPConn)
	if !ok || tc.RemoteAddr().String() != l.Addr().String() {
		t.Fatalf("forwarded connection is a %T to %v, want the TCP socket to %v", f.Conn, f.Conn.RemoteAddr(), l.Addr())
	}
	data := bytes.Repeat([]byte("x"), 1<<20)
	got, err := sendAndSum(c, data)
	if err != nil || got != sum(data) {
		t.Fatalf("got %q, %v; want %s", got, err, sum(data))
	}
}

// TestPortForwardBytesWithoutHandOver: a client that does not ask for the socket gets the bytes
// through podd's API connection, half-close included.
func TestPortForwardBytesWithoutHandOver(t *testing.T) {
	_, path := forwardToAt(t, echoSum(t))
	uc, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	req, _ := http.NewRequest(http.MethodPost, "http://podd/api/v1/namespaces/default/pods/web/portforward?port=8080", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", wire.PortForwardProtocol)
	if err := req.Write(uc); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(uc)
	resp, err := http.ReadResponse(br, req)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get(wire.PortForwardHandOver) != "" {
		t.Fatalf("answer %v, %v; want 101 without %s", resp, err, wire.PortForwardHandOver)
	}
	data := bytes.Repeat([]byte("y"), 1<<20)
	go func() {
		uc.Write(data)
		uc.(*net.UnixConn).CloseWrite()
	}()
	got, err := io.ReadAll(br)
	if err != nil || string(got) != sum(data) {
		t.Fatalf("got %q, %v; want %s", got, err, sum(data))
	}
}
