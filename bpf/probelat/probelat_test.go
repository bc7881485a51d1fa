package probelat

import (
	"errors"
	"net"
	"testing"

	"github.com/cilium/ebpf/btf"
	"github.com/podd/podd/internal/testutil"
	"golang.org/x/sys/unix"
)

// requireKernel loads the program or stops the test when the kernel cannot (no BTF, no
// CAP_BPF): a skip, a failure under CI=true.
func requireKernel(t testing.TB) *Kernel {
	t.Helper()
	testutil.RequireRoot(t)
	if _, err := btf.LoadKernelSpec(); err != nil {
		testutil.Unavailable(t, "kernel BTF: "+err.Error())
	}
	k, err := Open()
	if errors.Is(err, unix.EPERM) {
		testutil.Unavailable(t, err.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

// connect connects a new TCP socket to addr, registered with k first; it returns its cookie.
func connect(t testing.TB, k *Kernel, addr *net.TCPAddr) uint64 {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	cookie, err := unix.GetsockoptUint64(fd, unix.SOL_SOCKET, unix.SO_COOKIE)
	if err != nil {
		t.Fatal(err)
	}
	if k != nil {
		if err := k.Register(cookie); err != nil {
			t.Fatal(err)
		}
	}
	if err := unix.Connect(fd, &unix.SockaddrInet4{Port: addr.Port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	return cookie
}

// TestConnectTime: a registered socket's connect is timed by the kernel, once; an unregistered
// one is not tracked.
func TestConnectTime(t *testing.T) {
	k := requireKernel(t)
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr := l.Addr().(*net.TCPAddr)
	cookie := connect(t, k, addr)
	d, ok := k.Lookup(cookie)
	if !ok || d <= 0 || d > 1e9 {
		t.Fatalf("kernel connect time %v %v, want a positive time", d, ok)
	}
	if _, ok := k.Lookup(cookie); ok {
		t.Error("the socket is still known after its lookup")
	}
	if _, ok := k.Lookup(connect(t, nil, addr)); ok {
		t.Error("an unregistered socket was timed")
	}
}

// BenchmarkMatch: what podd pays per probe for the kernel's figure: the cookie read, the
// registration and the lookup (three syscalls), besides the probe's own connect.
func BenchmarkMatch(b *testing.B) {
	k := requireKernel(b)
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Close(fd)
	for b.Loop() {
		cookie, err := unix.GetsockoptUint64(fd, unix.SOL_SOCKET, unix.SO_COOKIE)
		if err != nil {
			b.Fatal(err)
		}
		if err := k.Register(cookie); err != nil {
			b.Fatal(err)
		}
		k.Lookup(cookie)
	}
}
