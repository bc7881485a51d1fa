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

// connect connects a new TCP socket to addr and returns it.
func connect(t testing.TB, addr *net.TCPAddr) int {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Connect(fd, &unix.SockaddrInet4{Port: addr.Port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	return fd
}

// TestConnectTime: a socket this process connected is timed by the kernel; one it did not
// connect (a listener's accepted end) and one whose connect was refused are not.
func TestConnectTime(t *testing.T) {
	k := requireKernel(t)
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr := l.Addr().(*net.TCPAddr)
	fd := connect(t, addr)
	d, ok := k.Lookup(fd)
	if !ok || d <= 0 || d > 1e9 {
		t.Fatalf("kernel connect time %v %v, want a positive time", d, ok)
	}
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f, err := c.(*net.TCPConn).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, ok := k.Lookup(int(f.Fd())); ok {
		t.Error("an accepted socket was timed")
	}
	l.Close()
	refused, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(refused)
	if err := unix.Connect(refused, &unix.SockaddrInet4{Port: addr.Port, Addr: [4]byte{127, 0, 0, 1}}); err == nil {
		t.Fatal("connected to a closed port")
	}
	if _, ok := k.Lookup(refused); ok {
		t.Error("a refused connect was timed")
	}
}

// BenchmarkMatch: what podd pays per probe for the kernel's figure: one lookup by the
// connected socket's fd (one syscall), besides the probe's own connect.
func BenchmarkMatch(b *testing.B) {
	k := requireKernel(b)
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	fd := connect(b, l.Addr().(*net.TCPAddr))
	for b.Loop() {
		if _, ok := k.Lookup(fd); !ok {
			b.Fatal("no time for a connected socket")
		}
	}
}
