package netsetup

import (
	"errors"
	"fmt"
	"net"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// A dual-stack network's additions to the table (natrules.go), appended to the IPv4 rules so an
// IPv4-only table stays as it was:
//
//	map hostports6     { type inet_proto . ipv6_addr . inet_service : ipv6_addr . inet_service }
//	map hostports6-any { type inet_proto . inet_service : ipv6_addr . inet_service }
//	chain prerouting, output { meta nfproto ipv6 fib daddr type local ip6 daddr != ::1 jump hostports }
//	chain hostports   { meta nfproto ipv6 dnat ip6 to meta l4proto . ip6 daddr . th dport map @hostports6
//	                    meta nfproto ipv6 dnat ip6 to meta l4proto . th dport map @hostports6-any }
//	chain postrouting { meta nfproto ipv6 ip6 saddr SUBNET6 ip6 daddr != SUBNET6 masquerade   # NAT66 egress
//	                    ct status dnat meta nfproto ipv6 ip6 saddr SUBNET6 ip6 daddr SUBNET6 masquerade }
//
// [::1]:HOSTPORT is left alone: IPv6 has no route_localnet, so a pod's reply, its destination
// turned back into ::1, would come in by the bridge and be dropped as a martian (a connection
// that hangs). Left alone, it is refused at once, or reaches what the node serves on ::1.
const (
	mapByIP6  = "hostports6"
	mapAnyIP6 = "hostports6-any"
)

var (
	keyByIP6  = nftables.MustConcatSetType(nftables.TypeInetProto, nftables.TypeIP6Addr, nftables.TypeInetService)
	mapValue6 = nftables.MustConcatSetType(nftables.TypeIP6Addr, nftables.TypeInetService)
)

// natSets6 are the IPv6 hostPort maps of table t: by hostIP, and for every node address.
func natSets6(t *nftables.Table) (byIP, anyIP *nftables.Set) {
	byIP = &nftables.Set{Table: t, Name: mapByIP6, IsMap: true, Concatenation: true, KeyType: keyByIP6, DataType: mapValue6}
	anyIP = &nftables.Set{Table: t, Name: mapAnyIP6, IsMap: true, Concatenation: true, KeyType: keyAnyIP, DataType: mapValue6}
	return byIP, anyIP
}

// natRules6 are the IPv6 rules for subnet, by chain name, looking up the maps of natSets6.
func natRules6(subnet *net.IPNet, byIP, anyIP *nftables.Set) map[string][][]expr.Any {
	sub, mask := subnet.IP.To16(), net.IP(subnet.Mask)
	loopback := net.IP(net.CIDRMask(128, 128))
	jump := [][]expr.Any{cat(ipv6Only(), localDaddr(), ip6Prefix(24, net.IPv6loopback, loopback, expr.CmpOpNeq),
		verdict(expr.VerdictJump, chainPorts))}
	return map[string][][]expr.Any{
		chainPorts: {
			cat(ipv6Only(), dnatByMap(byIP, true, familyIPv6)),
			cat(ipv6Only(), dnatByMap(anyIP, false, familyIPv6)),
		},
		chainPre:    jump,
		chainOutput: jump,
		chainPost: {
			cat(ipv6Only(), ip6Prefix(8, sub, mask, expr.CmpOpEq), ip6Prefix(24, sub, mask, expr.CmpOpNeq), masq()),
			cat(dnated(), ipv6Only(), ip6Prefix(8, sub, mask, expr.CmpOpEq), ip6Prefix(24, sub, mask, expr.CmpOpEq), masq()),
		},
	}
}

// ipv6Only: meta nfproto ipv6.
func ipv6Only() []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: reg1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: []byte{unix.NFPROTO_IPV6}},
	}
}

// ip6Prefix compares the IPv6 address at offset (8: source, 24: destination) of the network
// header, masked, with addr.
func ip6Prefix(offset uint32, addr, mask net.IP, op expr.CmpOp) []expr.Any {
	masked := make([]byte, 16)
	for i := range masked {
		masked[i] = addr[i] & mask[i]
	}
	return []expr.Any{
		&expr.Payload{DestRegister: reg1, Base: expr.PayloadBaseNetworkHeader, Offset: offset, Len: 16},
		&expr.Bitwise{SourceRegister: reg1, DestRegister: reg1, Len: 16, Mask: []byte(mask), Xor: make([]byte, 16)},
		&expr.Cmp{Op: op, Register: reg1, Data: masked},
	}
}

// portElement6 is the IPv6 map element of one hostPort for the pod's IPv6 address; ok is false
// for a hostPort on an IPv4 hostIP.
func portElement6(hp HostPort, podIP net.IP) (set string, el nftables.SetElement, ok bool) {
	proto := []byte{hp.protoNumber(), 0, 0, 0}
	val := append(append([]byte{}, podIP.To16()...), port4(hp.PodPort)...)
	switch {
	case hp.HostIP == nil:
		return mapAnyIP6, nftables.SetElement{Key: cat(proto, port4(hp.HostPort)), Val: val}, true
	case hp.HostIP.To4() != nil:
		return "", el, false
	}
	return mapByIP6, nftables.SetElement{Key: cat(proto, hp.HostIP.To16(), port4(hp.HostPort)), Val: val}, true
}

// portElements is the map element of one hostPort for one of the pod's addresses, by family;
// ok is false when the hostPort's hostIP is of the other family.
func portElements(hp HostPort, podIP net.IP) (set string, el nftables.SetElement, ok bool) {
	if podIP.To4() == nil {
		return portElement6(hp, podIP)
	}
	if hp.HostIP != nil && hp.HostIP.To4() == nil {
		return "", el, false
	}
	set, el = portElement(hp, podIP)
	return set, el, true
}

// checkFamilies refuses hostPorts on a hostIP of a family the pod has no address of.
func checkFamilies(ports []HostPort, ips []net.IP) error {
	for _, hp := range ports {
		if hp.HostIP == nil {
			continue
		}
		found := false
		for _, ip := range ips {
			found = found || (ip.To4() == nil) == (hp.HostIP.To4() == nil)
		}
		if !found {
			return fmt.Errorf("%s: the pod has no address of that family (%v)", hp, ips)
		}
	}
	if len(ports) > 0 && len(ips) == 0 {
		return errors.New("the pod has no address")
	}
	return nil
}
