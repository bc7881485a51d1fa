package netsetup

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"
)

// Owners of the NAT tests (their veth names differ from the other tests').
const (
	natOwnerA = "5e6f7081-0000-4000-8000-000000000005"
	natOwnerB = "6f708192-0000-4000-8000-000000000006"
)

// serveRemoteAddr listens on addr in pod's network namespace and answers each TCP connection
// with the address it came from.
func serveRemoteAddr(t testing.TB, pod *PodNS, network, addr string) string {
	t.Helper()
	if network == "udp" {
		var pc net.PacketConn
		if err := pod.Do(func() (err error) { pc, err = net.ListenPacket("udp", addr); return err }); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pc.Close() })
		go func() {
			buf := make([]byte, 64)
			for {
				_, from, err := pc.ReadFrom(buf)
				if err != nil {
					return
				}
				pc.WriteTo([]byte(from.String()), from)
			}
		}()
		return pc.LocalAddr().String()
	}
	var ln net.Listener
	if err := pod.Do(func() (err error) { ln, err = net.Listen("tcp", addr); return err }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte(c.RemoteAddr().String()))
			c.Close()
		}
	}()
	return ln.Addr().String()
}

// ask connects to addr (from the calling thread's network namespace) and returns the answer:
// the address the server saw.
func ask(network, addr string) (string, error) {
	c, err := net.DialTimeout(network, addr, 3*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if network == "udp" {
		if _, err := c.Write([]byte("?")); err != nil {
			return "", err
		}
		buf := make([]byte, 64)
		n, err := c.Read(buf)
		return string(buf[:n]), err
	}
	b, err := io.ReadAll(c)
	return string(b), err
}

// askFrom is ask from inside pod.
func askFrom(pod *PodNS, network, addr string) (got string, err error) {
	err = pod.Do(func() error { got, err = ask(network, addr); return err })
	return got, err
}

// outside makes a network namespace standing for the world beyond the node: veth "up0"
// 192.0.2.1/24 on the node, 192.0.2.2/24 in the returned namespace.
func outside(t *testing.T) *PodNS {
	t.Helper()
	out := newPodNS(t, "outside")
	files, err := out.open(pins[0])
	defer closeAll(files)
	if err != nil {
		t.Fatal(err)
	}
	veth := &netlink.Veth{LinkAttrs: netlink.NewLinkAttrs(), PeerName: "eth0", PeerNamespace: netlink.NsFd(files[0].Fd())}
	veth.Name = "up0"
	if err := netlink.LinkAdd(veth); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { deleteLink("up0") })
	addr, _ := netlink.ParseAddr("192.0.2.1/24")
	if err := netlink.AddrAdd(veth, addr); err != nil {
		t.Fatal(err)
	}
	if err := netlink.LinkSetUp(veth); err != nil {
		t.Fatal(err)
	}
	err = out.Do(func() error {
		l, err := netlink.LinkByName("eth0")
		if err != nil {
			return err
		}
		a, _ := netlink.ParseAddr("192.0.2.2/24")
		if err := netlink.AddrAdd(l, a); err != nil {
			return err
		}
		return netlink.LinkSetUp(l)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// tableExists reports whether podd's table is in this network namespace, through netlink.
func tableExists(t *testing.T) bool {
	t.Helper()
	c, err := nftables.New()
	if err != nil {
		t.Fatal(err)
	}
	tables, err := c.ListTablesOfFamily(nftables.TableFamilyINet)
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		if tb.Name == tableName {
			return true
		}
	}
	return false
}

// mapElements counts the elements of podd's two hostPort maps.
func mapElements(t *testing.T) int {
	t.Helper()
	c, err := nftables.New()
	if err != nil {
		t.Fatal(err)
	}
	byIP, anyIP := natSets(natTable())
	total := 0
	for _, s := range []*nftables.Set{byIP, anyIP} {
		els, err := c.GetSetElements(s)
		if err != nil {
			t.Fatal(err)
		}
		total += len(els)
	}
	return total
}

func nftList(t *testing.T) string {
	out, err := exec.Command("nft", "list", "table", "inet", tableName).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("(nft: %v) %s", err, out)
	}
	return string(out)
}

// attachPublished attaches a pod with these hostPorts, as the runtime does.
func attachPublished(t testing.TB, n *Network, owner, holder string, ports ...HostPort) (*PodNS, net.IP) {
	t.Helper()
	if err := n.Reserve(owner, holder, ports); err != nil {
		t.Fatal(err)
	}
	pod := newPodNS(t, holder)
	ips, err := n.Attach(pod, owner)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Publish(owner, ips); err != nil {
		t.Fatal(err)
	}
	return pod, ips[0]
}

// TestEgressAndHostPorts: a pod reaches an outside address, masqueraded to the node's; its
// hostPorts answer on 127.0.0.1, on the node's addresses and from the pod itself (hairpin),
// for TCP and UDP; the last release leaves no table.
func TestEgressAndHostPorts(t *testing.T) {
	requireNS(t)
	lo, err := netlink.LinkByName("lo") // the test's own namespace: 127.0.0.1 must work
	if err != nil || netlink.LinkSetUp(lo) != nil {
		t.Fatalf("set lo up: %v", err)
	}
	// Forwarding off everywhere: podd turns it on for the bridge and the uplink only.
	if err := os.WriteFile("/proc/sys/net/ipv4/conf/all/forwarding", []byte("0"), 0); err != nil {
		t.Fatal(err)
	}
	out := outside(t)
	n := newNetwork(t)
	n.Uplinks = []string{"up0"}
	tcp := HostPort{Protocol: "TCP", HostPort: 18080, PodPort: 8080, Field: "spec.containers[0].ports[0]"}
	udp := HostPort{Protocol: "UDP", HostPort: 15353, PodPort: 5353, Field: "spec.containers[0].ports[1]"}
	pod, ip := attachPublished(t, n, natOwnerA, "default/web", tcp, udp)
	serveRemoteAddr(t, pod, "tcp", ":8080")
	serveRemoteAddr(t, pod, "udp", ":5353")
	world := serveRemoteAddr(t, out, "tcp", "192.0.2.2:80")
	t.Logf("pod %s, table:\n%s", ip, nftList(t))

	got, err := askFrom(pod, "tcp", world)
	if err != nil || !strings.HasPrefix(got, "192.0.2.1:") {
		t.Errorf("egress from the pod to %s: the server saw %q (%v), want the node's 192.0.2.1", world, got, err)
	}
	for _, c := range []struct{ network, addr, from string }{
		{"tcp", "127.0.0.1:18080", ""}, {"tcp", "192.0.2.1:18080", ""}, {"tcp", "10.77.0.1:18080", ""},
		{"udp", "127.0.0.1:15353", ""}, {"udp", "192.0.2.1:15353", ""},
		{"tcp", "192.0.2.1:18080", "pod"}, {"tcp", "10.77.0.1:18080", "pod"}, {"udp", "192.0.2.1:15353", "pod"},
	} {
		ask := func() (string, error) { return ask(c.network, c.addr) }
		if c.from == "pod" {
			ask = func() (string, error) { return askFrom(pod, c.network, c.addr) }
		}
		if got, err := ask(); err != nil || got == "" {
			t.Errorf("%s %s from the %s: %q, %v", c.network, c.addr, or(c.from, "node"), got, err)
		}
	}
	for key, want := range map[string]string{"all/forwarding": "0", "podd0/forwarding": "1", "up0/forwarding": "1", "podd0/route_localnet": "1"} {
		if b, _ := os.ReadFile("/proc/sys/net/ipv4/conf/" + key); strings.TrimSpace(string(b)) != want {
			t.Errorf("net.ipv4.conf.%s = %q, want %s", strings.ReplaceAll(key, "/", "."), b, want)
		}
	}
	// From outside, through the node's address.
	if got, err := askFrom(out, "tcp", "192.0.2.1:18080"); err != nil || !strings.HasPrefix(got, "192.0.2.2:") {
		t.Errorf("hostPort from outside: %q, %v", got, err)
	}

	if err := n.Release(natOwnerA); err != nil {
		t.Fatal(err)
	}
	awaitNoTable(t)
}

// awaitNoTable waits for the table to go after the last release (it lingers tableLinger).
func awaitNoTable(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(tableLinger + 10*time.Second); tableExists(t); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("table left %v after the last pod's release:\n%s", tableLinger+10*time.Second, nftList(t))
		}
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// TestHostPortTaken: a second pod asking for a taken hostPort is refused naming the port and
// the pod holding it, and holds nothing afterwards.
func TestHostPortTaken(t *testing.T) {
	requireNS(t)
	n := newNetwork(t)
	web := HostPort{Protocol: "TCP", HostPort: 18080, PodPort: 8080, Field: "spec.containers[0].ports[0]"}
	attachPublished(t, n, natOwnerA, "default/web", web)
	again := HostPort{Protocol: "TCP", HostIP: net.IPv4(127, 0, 0, 1).To4(), HostPort: 18080, PodPort: 80, Field: "spec.containers[1].ports[0]"}
	err := n.Reserve(natOwnerB, "default/web2", []HostPort{again})
	var pc *PortConflict
	if !errors.As(err, &pc) || pc.Holder != "default/web" {
		t.Fatalf("Reserve of a taken port: %v", err)
	}
	want := "spec.containers[1].ports[0].hostPort: 18080/TCP on 127.0.0.1 is taken by pod default/web (18080/TCP on 0.0.0.0)"
	if err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if err := n.Release(natOwnerB); err != nil { // what a failed start's teardown does
		t.Fatal(err)
	}
	if got := mapElements(t); got != 1 {
		t.Errorf("%d map elements after the refusal, want web's 1:\n%s", got, nftList(t))
	}
	if err := n.Reserve(natOwnerB, "default/web2", []HostPort{{Protocol: "UDP", HostPort: 18080, PodPort: 80}}); err != nil {
		t.Errorf("the same port in UDP: %v", err)
	}
	n.Release(natOwnerB)
	n.Release(natOwnerA)
	awaitNoTable(t)
}

// TestNATRestart: a new podd (a new Network over the same IPAM) replaces the table an earlier
// one left with what its records say: elements of pods gone meanwhile disappear.
func TestNATRestart(t *testing.T) {
	requireNS(t)
	n := newNetwork(t)
	hp := func(port uint16) HostPort { return HostPort{Protocol: "TCP", HostPort: port, PodPort: 80} }
	_, ipA := attachPublished(t, n, natOwnerA, "default/a", hp(18081))
	attachPublished(t, n, natOwnerB, "default/b", hp(18082))
	if got := mapElements(t); got != 2 {
		t.Fatalf("%d elements, want 2", got)
	}
	// podd restarts; pod b died meanwhile (its record gone), pod a is recovered.
	again := &Network{Bridge: n.Bridge, Subnet: n.Subnet, IPAMDir: n.IPAMDir}
	if err := again.Setup(); err != nil {
		t.Fatal(err)
	}
	if !tableExists(t) {
		t.Fatal("Setup with pods leased removed the table before their recovery")
	}
	if err := again.Reserve(natOwnerA, "default/a", []HostPort{hp(18081)}); err != nil {
		t.Fatal(err)
	}
	if err := again.Publish(natOwnerA, []net.IP{ipA}); err != nil {
		t.Fatal(err)
	}
	if got := mapElements(t); got != 1 {
		t.Fatalf("%d elements after the restart, want a's 1:\n%s", got, nftList(t))
	}
	if err := again.Publish(natOwnerA, []net.IP{ipA}); err != nil {
		t.Fatalf("Publish again (idempotent): %v", err)
	}
	again.Release(natOwnerB) // the orphan's cleanup
	if err := again.Release(natOwnerA); err != nil {
		t.Fatal(err)
	}
	awaitNoTable(t)
}

// TestNATTableLingers: the last pod's release leaves the table for tableLinger, so a pod
// published meanwhile reuses it (made once, not twice: its hooks' registration is the costly
// part); it is gone after the linger, and at once on Settle. Before, the release deleted it.
func TestNATTableLingers(t *testing.T) {
	requireNS(t)
	n := newNetwork(t)
	var made atomic.Int32
	n.nat.Logf = func(format string, args ...any) {
		if strings.HasPrefix(format, "nftables table inet %s: masquerade") {
			made.Add(1)
		}
	}
	attachPublished(t, n, natOwnerA, "default/a")
	if err := n.Release(natOwnerA); err != nil {
		t.Fatal(err)
	}
	if !tableExists(t) {
		t.Fatal("the table went with the last pod's release, want it kept for the next pod")
	}
	attachPublished(t, n, natOwnerB, "default/b")
	if got := made.Load(); got != 1 {
		t.Errorf("the table was made %d times for two pods one after the other, want once", got)
	}
	if err := n.Release(natOwnerB); err != nil {
		t.Fatal(err)
	}
	awaitNoTable(t)

	attachPublished(t, n, natOwnerA, "default/a")
	n.Release(natOwnerA)
	if err := n.Settle(); err != nil {
		t.Fatal(err)
	}
	if tableExists(t) {
		t.Fatalf("table left after Settle with no pod:\n%s", nftList(t))
	}
}

// TestNATTableGoneBehindPodd: a table deleted behind podd's back (nft flush ruleset) is made
// again, with every published pod's ports, by the next pod's publish.
func TestNATTableGoneBehindPodd(t *testing.T) {
	requireNS(t)
	n := newNetwork(t)
	hp := func(port uint16) HostPort { return HostPort{Protocol: "TCP", HostPort: port, PodPort: 80} }
	attachPublished(t, n, natOwnerA, "default/a", hp(18081))
	if _, err := RemoveTable(); err != nil {
		t.Fatal(err)
	}
	attachPublished(t, n, natOwnerB, "default/b", hp(18082))
	if got := mapElements(t); got != 2 {
		t.Fatalf("%d elements after the rebuild, want a's and b's:\n%s", got, nftList(t))
	}
	n.Release(natOwnerA)
	n.Release(natOwnerB)
	awaitNoTable(t)
}
