package netsetup

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
)

// nodeAddr stands for the node's own address in the benchmarks: veth "node0" (its peer left
// down) holding 192.0.2.1/24 in the test's namespace, a local address like the node's uplink.
func nodeAddr(b *testing.B) string {
	lo, err := netlink.LinkByName("lo")
	if err != nil || netlink.LinkSetUp(lo) != nil {
		b.Fatalf("set lo up: %v", err)
	}
	node := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "node0"}, PeerName: "node0p"}
	if err := netlink.LinkAdd(node); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { deleteLink("node0") })
	addr, _ := netlink.ParseAddr("192.0.2.1/24")
	if err := netlink.AddrAdd(node, addr); err != nil {
		b.Fatal(err)
	}
	if err := netlink.LinkSetUp(node); err != nil {
		b.Fatal(err)
	}
	return "192.0.2.1"
}

// connectOnce connects to addr, reads the server's answer up to its close (the server closes
// first: TIME_WAIT stays on its side, the client's ephemeral ports are not used up), and closes.
func connectOnce(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(c)
	if err == nil && len(got) == 0 {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// BenchmarkHostPortConnect is the hostPort connection rate: each op makes one TCP connection
// (connect, read the short answer, close) from the node to a pod's server directly by the pod's IP
// (the baseline), then one to its hostPort on 127.0.0.1 and one to its hostPort on the node's
// address, both through the nftables DNAT. The three kinds alternate (each first in turn), so
// they share the host's load; each reports conns/s, and the hostPort ones their ratio to the direct one.
func BenchmarkHostPortConnect(b *testing.B) {
	requireNS(b)
	node := nodeAddr(b)
	n := newNetwork(b)
	n.Uplinks, n.Logf = []string{"node0"}, func(string, ...any) {} // b.Logf would print per b.N tried
	pod, ip := attachPublished(b, n, natOwnerA, "default/web", HostPort{Protocol: "TCP", HostPort: 18080, PodPort: 8080})
	b.Cleanup(func() { n.Release(natOwnerA); n.Settle() })
	serveRemoteAddr(b, pod, "tcp", ":8080")
	targets := []struct{ name, addr string }{
		{"pod-ip", net.JoinHostPort(ip.String(), "8080")},
		{"hostport-lo", "127.0.0.1:18080"},
		{"hostport-node", net.JoinHostPort(node, "18080")},
	}
	// One untimed connection each first: the first connection to a just-attached pod sometimes
	// takes 1 s (its first SYN or ARP request lost and retried: 2 times in 5 on this host).
	for _, t := range targets {
		if err := connectOnce(t.addr); err != nil {
			b.Fatalf("%s (%s): %v", t.name, t.addr, err)
		}
	}
	spent := make([]time.Duration, len(targets))
	b.ResetTimer()
	for op := range b.N {
		for k := range targets {
			i := (op + k) % len(targets) // each kind first in turn: no place in the order favours one
			t := targets[i]
			start := time.Now()
			if err := connectOnce(t.addr); err != nil {
				b.Fatalf("%s (%s): %v", t.name, t.addr, err)
			}
			spent[i] += time.Since(start)
		}
	}
	b.StopTimer()
	rate := func(i int) float64 { return float64(b.N) / spent[i].Seconds() }
	for i, t := range targets {
		b.ReportMetric(rate(i), t.name+"-conns/s")
	}
	b.ReportMetric(rate(1)/rate(0), "lo/pod-ip")
	b.ReportMetric(rate(2)/rate(0), "node/pod-ip")
}
