package netsetup

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"
)

const v6OnlyOwner = "70819203-0000-4000-8000-000000000007"

// TestIPv6OnlyNetwork: with only an IPv6 subnet the bridge has only its IPv6 gateway, a pod
// gets one IPv6 address and no IPv4 one, and its hostPort answers on the node's IPv6 address
// through a table with no IPv4 maps; the release leaves no lease.
func TestIPv6OnlyNetwork(t *testing.T) {
	requireNS(t)
	n := &Network{Bridge: "podd0", Subnet6: mustCIDR(t, "fd77::/64"), IPv6First: true,
		IPAMDir: filepath.Join(t.TempDir(), "ipam")}
	if err := n.Setup(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Settle(); n.Teardown() }) // no lingering table for the next test (newNetwork)
	br, _ := netlink.LinkByName("podd0")
	if addrs, _ := netlink.AddrList(br, netlink.FAMILY_V4); len(addrs) != 0 {
		t.Errorf("bridge IPv4 addresses %v, want none", addrs)
	}
	hp := HostPort{Protocol: "TCP", HostPort: 18086, PodPort: 80}
	pod, ip := attachPublished(t, n, v6OnlyOwner, "six", hp)
	var err error
	if ip.String() != "fd77::2" {
		t.Fatalf("pod address %s, want fd77::2 alone", ip)
	}
	err = pod.Do(func() error {
		l, err := netlink.LinkByName(podIfName)
		if err != nil {
			return err
		}
		if addrs, _ := netlink.AddrList(l, netlink.FAMILY_V4); len(addrs) != 0 {
			t.Errorf("eth0 IPv4 addresses %v, want none", addrs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	serveRemoteAddr(t, pod, "tcp", "[fd77::2]:80")
	if got, err := ask("tcp", "[fd77::1]:18086"); err != nil || !strings.HasPrefix(got, "[fd77::1]:") {
		t.Errorf("hostPort on the node's IPv6 address: %q, %v", got, err)
	}
	c, err := nftables.New()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetSetByName(natTable(), mapAnyIP); err == nil {
		t.Errorf("the table of an IPv6-only network has the IPv4 map %s", mapAnyIP)
	}
	if set, err := c.GetSetByName(natTable(), mapAnyIP6); err != nil {
		t.Errorf("map %s: %v", mapAnyIP6, err)
	} else if els, err := c.GetSetElements(set); err != nil || len(els) != 1 {
		t.Errorf("map %s: %v, %v; want the pod's hostPort", mapAnyIP6, els, err)
	}
	pod.Remove()
	if err := n.Release(v6OnlyOwner); err != nil {
		t.Fatal(err)
	}
	if left := n.Leases(); len(left) != 0 {
		t.Fatalf("leases after Release: %v", left)
	}
}
