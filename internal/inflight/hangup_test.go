package inflight

import (
	"net"
	"path/filepath"
	"testing"
)

// hungUp sees a unix socket's peer close, and not a peer that is there.
func TestHungUp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	client, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	server, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	raw, err := server.(*net.UnixConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	client.Write([]byte("{"))
	if hungUp(raw) {
		t.Fatal("hung up while the peer is there")
	}
	client.Close()
	if !hungUp(raw) {
		t.Fatal("the peer's close is not seen")
	}
}
