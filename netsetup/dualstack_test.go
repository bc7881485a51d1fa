package netsetup

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/nftables/expr"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

func TestParsePodCIDRs(t *testing.T) {
	for _, c := range []struct {
		in          []string
		v4, v6, err string
		v6First     bool
	}{
		{in: []string{"10.77.0.0/16"}, v4: "10.77.0.0/16"},
		{in: []string{"10.77.0.0/16", "fd77::/64"}, v4: "10.77.0.0/16", v6: "fd77::/64"},
		{in: []string{"fd77::/64", "10.77.0.0/16"}, v4: "10.77.0.0/16", v6: "fd77::/64", v6First: true},
		{in: []string{"10.77.0.0/16,fd77::/64"}, v4: "10.77.0.0/16", v6: "fd77::/64"},
		{in: []string{"10.77.0.0/16", "10.78.0.0/16"}, err: "--pod-cidr 10.77.0.0/16 and 10.78.0.0/16: both IPv4; give at most one IPv4 and one IPv6 range"},
		{in: []string{"10.77.0.0/16", "fd77::/64", "fd78::/64"}, err: "--pod-cidr fd77::/64 and fd78::/64: both IPv6"},
		{in: []string{"fd77::/64"}, v4: "<nil>", v6: "fd77::/64", v6First: true}, // IPv6-only
		{in: []string{"10.77.0.0/16", "nonsense"}, err: `--pod-cidr "nonsense": invalid CIDR address`},
	} {
		got, err := ParsePodCIDRs(c.in)
		if c.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), c.err) {
				t.Errorf("%v: error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		v6 := ""
		if got.V6 != nil {
			v6 = got.V6.String()
		}
		if err != nil || got.V4.String() != c.v4 || v6 != c.v6 || got.IPv6First != c.v6First {
			t.Errorf("%v: %+v, %v; want %s %s first6=%v", c.in, got, err, c.v4, c.v6, c.v6First)
		}
	}
}

// TestAllocate6: a dual-stack network leases one address per family, lowest first after the
// gateways, finds both again after a restart and frees both.
func TestAllocate6(t *testing.T) {
	n := testNetwork(t, "10.9.0.0/29")
	n.Subnet6 = mustCIDR(t, "fd77::/126") // gateway ::1, one pod address (::2), ::3 left out
	for _, owner := range []string{"aaaaaaaa", "bbbbbbbb"} {
		addrs, err := n.allocateAll(owner)
		if owner == "bbbbbbbb" {
			if err == nil || !strings.Contains(err.Error(), "fd77::/126: no free address") {
				t.Fatalf("second IPv6 lease in a /126: %v, %v", addrs, err)
			}
			if _, err := os.Stat(filepath.Join(n.IPAMDir, "10.9.0.3")); !os.IsNotExist(err) {
				t.Fatalf("the failed allocation kept its IPv4 lease: %v", err)
			}
			continue
		}
		if err != nil || len(addrs) != 2 || addrs[0].ip.String() != "10.9.0.2" || addrs[1].ip.String() != "fd77::2" ||
			addrs[1].gw.String() != "fd77::1/126" {
			t.Fatalf("allocateAll = %v, %v", addrs, err)
		}
	}
	again := &Network{Subnet: n.Subnet, Subnet6: n.Subnet6, IPAMDir: n.IPAMDir}
	ips, err := again.owned("aaaaaaaa")
	if err != nil || len(ips) != 2 || ips[0].String() != "10.9.0.2" || ips[1].String() != "fd77::2" {
		t.Fatalf("owned after a restart = %v, %v", ips, err)
	}
	if err := again.releaseAddrs("aaaaaaaa"); err != nil {
		t.Fatal(err)
	}
	if left := again.Leases(); len(left) != 0 {
		t.Fatalf("leases after release: %v", left)
	}
}

// TestAttachDualStack: the pod's eth0 gets both addresses, the IPv6 one usable at once (no
// DAD, not tentative) and no link-local address, and a default route per family; the host end
// is up, on the bridge, in hairpin mode, with no IPv6 address; the bridge has both gateways;
// IPv6First orders the addresses; Release frees both.
func TestAttachDualStack(t *testing.T) {
	requireNS(t)
	n := newNetwork(t)
	n.Subnet6, n.IPv6First = mustCIDR(t, "fd77::/64"), true
	if err := n.Setup(); err != nil {
		t.Fatal(err)
	}
	br, _ := netlink.LinkByName("podd0")
	if addrs, err := netlink.AddrList(br, netlink.FAMILY_V6); err != nil || !hasAddr(addrs, "fd77::1/64") {
		t.Fatalf("bridge IPv6 addresses %v, %v; want fd77::1/64", addrs, err)
	}
	pod := newPodNS(t, "web-0")
	ips, err := n.Attach(pod, testOwner)
	if err != nil || len(ips) != 2 || ips[0].String() != "fd77::2" || ips[1].String() != "10.77.0.2" {
		t.Fatalf("Attach = %v, %v; want fd77::2 then 10.77.0.2", ips, err)
	}
	checkHostEnd(t, testOwner, br)
	err = pod.Do(func() error {
		l, err := netlink.LinkByName(podIfName)
		if err != nil {
			return err
		}
		addrs, _ := netlink.AddrList(l, netlink.FAMILY_V6)
		if len(addrs) != 1 || addrs[0].IPNet.String() != "fd77::2/64" || addrs[0].Flags&unix.IFA_F_TENTATIVE != 0 {
			t.Errorf("eth0 IPv6 addresses %+v: want fd77::2/64 alone (no link-local), not tentative", addrs)
		}
		routes, _ := netlink.RouteList(l, netlink.FAMILY_V6)
		def := false
		for _, r := range routes {
			def = def || (r.Dst == nil || r.Dst.IP.IsUnspecified()) && r.Gw.Equal(net.ParseIP("fd77::1"))
		}
		if !def {
			t.Errorf("eth0 IPv6 routes %v: no default via fd77::1", routes)
		}
		lo, _ := netlink.LinkByName("lo")
		if addrs, _ := netlink.AddrList(lo, netlink.FAMILY_V6); !hasAddr(addrs, "::1/128") {
			t.Errorf("pod lo IPv6 addresses %v: want ::1", addrs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Release(testOwner); err != nil {
		t.Fatal(err)
	}
	if left := n.Leases(); len(left) != 0 {
		t.Fatalf("leases after Release: %v", left)
	}
}

func hasAddr(addrs []netlink.Addr, cidr string) bool {
	for _, a := range addrs {
		if a.IPNet.String() == cidr {
			return true
		}
	}
	return false
}

// TestNATRules6: the IPv6 rules DNAT with IPv6 registers (address in reg1, port after its 16
// bytes) and leave ::1 alone.
func TestNATRules6(t *testing.T) {
	byIP, anyIP := natSets6(natTable())
	rules := natRules6(mustCIDR(t, "fd77::/64"), byIP, anyIP)
	if len(rules[chainPorts]) != 2 || len(rules[chainPre]) != 1 || len(rules[chainOutput]) != 1 || len(rules[chainPost]) != 2 {
		t.Fatalf("rules per chain: %d %d %d %d", len(rules[chainPorts]), len(rules[chainPre]), len(rules[chainOutput]), len(rules[chainPost]))
	}
	nat := rules[chainPorts][0][len(rules[chainPorts][0])-1].(*expr.NAT)
	if nat.Family != unix.NFPROTO_IPV6 || nat.RegAddrMin != 1 || nat.RegProtoMin != 12 {
		t.Errorf("dnat: %+v", nat)
	}
	jump := rules[chainPre][0]
	cmp := jump[len(jump)-2].(*expr.Cmp)
	if cmp.Op != expr.CmpOpNeq || !net.IP(cmp.Data).Equal(net.IPv6loopback) {
		t.Errorf("jump rule does not leave ::1 alone: %v", dump([][]expr.Any{jump}))
	}
	if byIP.KeyType.Bytes != 24 || anyIP.KeyType.Bytes != 8 || byIP.DataType.Bytes != 20 {
		t.Errorf("map types: %+v %+v", byIP, anyIP)
	}
}

// checkHostEnd checks owner's veth host end: up, a port of br in hairpin mode, no IPv6 address.
func checkHostEnd(t *testing.T, owner string, br netlink.Link) {
	t.Helper()
	name, _ := vethName(owner)
	l, err := netlink.LinkByName(name)
	if err != nil {
		t.Fatalf("host end: %v", err)
	}
	if l.Attrs().RawFlags&unix.IFF_UP == 0 || l.Attrs().MasterIndex != br.Attrs().Index {
		t.Errorf("host end %s: flags %#x, master %d: want up, on %s (%d)", name, l.Attrs().RawFlags, l.Attrs().MasterIndex, br.Attrs().Name, br.Attrs().Index)
	}
	if p, err := netlink.LinkGetProtinfo(l); err != nil || !p.Hairpin {
		t.Errorf("host end %s: bridge port info %v, %v; want hairpin mode", name, p, err)
	}
	if addrs, _ := netlink.AddrList(l, netlink.FAMILY_V6); len(addrs) != 0 {
		t.Errorf("host end %s: IPv6 addresses %v, want none", name, addrs)
	}
}
