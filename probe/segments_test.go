package probe

import (
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/podd/podd/internal/nsthread"
	"github.com/podd/podd/internal/testutil"
	"golang.org/x/sys/unix"
)

// tcpOutSegs is the count of TCP segments sent in the network namespace ns (both ends of its
// connections when they are both in it): OutSegs of its /proc/net/snmp, read on a throwaway
// thread that joined ns.
func tcpOutSegs(t testing.TB, ns *os.File) int {
	t.Helper()
	var snmp []byte
	err := nsthread.Run(func() error {
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			return err
		}
		var err error
		snmp, err = os.ReadFile("/proc/thread-self/net/snmp")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, line := range strings.Split(string(snmp), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] != "Tcp:" {
			continue
		}
		if names == nil {
			names = fields
			continue
		}
		if i := slices.Index(names, "OutSegs"); i > 0 && i < len(fields) {
			n, err := strconv.Atoi(fields[i])
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no Tcp: OutSegs in /proc/net/snmp")
	return 0
}

// TestHTTPProbeSegments: an HTTP probe against a server that answers and closes is 7 TCP
// segments: SYN, SYN-ACK, the request (with the handshake's last ACK), the server's ACK of it,
// the answer, the server's FIN, and podd's reset of the kept socket (kept.go). Before
// rawDeferAck it was 9: a bare ACK ended the handshake, and podd acknowledged the answer. Each
// one is handled by podd's thread on a pod's loopback or veth.
func TestHTTPProbeSegments(t *testing.T) {
	ns, l := newNetNSListener(t)
	go testutil.AcceptEach(l, answering("HTTP/1.0 200 OK\r\n\r\nin the pod", true, nil))
	d := NewDialer()
	port := l.Addr().(*net.TCPAddr).Port
	runHTTPProbes(t, d, ns, port, 1) // the listener's first connection, out of the count
	const n = 20
	before := tcpOutSegs(t, ns)
	runHTTPProbes(t, d, ns, port, n)
	segs := tcpOutSegs(t, ns) - before
	if per := float64(segs) / n; per > 7.5 {
		t.Errorf("%d TCP segments for %d HTTP probes (%.2f a probe), want 7 a probe", segs, n, per)
	}
}

// TestTCPProbeOnKeptSocketAcksHandshake: a tcpSocket probe that takes a kept socket (set to
// hold the handshake's last ACK back for a request: rawDeferAck) clears that first, so its
// connection is opened as the kubelet's: the handshake's own ACK, then the close.
func TestTCPProbeOnKeptSocketAcksHandshake(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	fd, err := rawSocket(unix.AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	rawDeferAck(fd, true) // as an HTTP probe left it
	addr := netip.MustParseAddrPort(l.Addr().String())
	var m connectMeter
	fd, _, err = NewDialer().sockets.startConnect(nil, addr, &m, true, fd)
	if err != nil {
		t.Fatal(err)
	}
	defer rawClose(fd)
	if v, err := unix.GetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT); err != nil || v != 0 {
		t.Errorf("TCP_DEFER_ACCEPT after a tcpSocket probe's connect on a kept socket: %d %v, want 0", v, err)
	}
}
