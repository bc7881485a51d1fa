package netsetup

import (
	"encoding/binary"
	"fmt"
	"net"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// The nftables table podd owns, and what is in it. Every pod shares the same few rules; what is
// per pod lives in two maps, so adding or removing a pod's hostPorts is one element each, O(1)
// whatever the number of pods:
//
//	table inet podd {
//	  map hostports    { type inet_proto . ipv4_addr . inet_service : ipv4_addr . inet_service }  # hostIP given
//	  map hostports-any { type inet_proto . inet_service : ipv4_addr . inet_service }             # every node address
//	  chain prerouting  { type nat hook prerouting priority dstnat; meta nfproto ipv4 fib daddr type local jump hostports }
//	  chain output      { type nat hook output priority dstnat; meta nfproto ipv4 fib daddr type local jump hostports }
//	  chain hostports   { meta nfproto ipv4 dnat ip to meta l4proto . ip daddr . th dport map @hostports
//	                      meta nfproto ipv4 dnat ip to meta l4proto . th dport map @hostports-any }
//	  chain postrouting { type nat hook postrouting priority srcnat
//	                      ip saddr SUBNET ip daddr != SUBNET masquerade                  # egress
//	                      ct status dnat ip saddr SUBNET ip daddr SUBNET masquerade      # hairpin
//	                      ct status dnat ip saddr 127.0.0.0/8 masquerade }               # localhost:hostPort
//	}
const (
	tableName   = "podd"
	mapByIP     = "hostports"
	mapAnyIP    = "hostports-any"
	chainPorts  = "hostports"
	chainPre    = "prerouting"
	chainOutput = "output"
	chainPost   = "postrouting"
)

// Registers as nft uses them: 1 is the first 16-byte register; 8 is the 32-bit register of its
// first 4 bytes and 9 the one after (a concatenation puts each field in its own 4 bytes).
const (
	reg1 = 1
	reg8 = 8
	reg9 = 9
)

// ipsDstNAT is IPS_DST_NAT of a conntrack entry's status: the connection was DNATed.
const ipsDstNAT = 0x20

var (
	keyByIP  = nftables.MustConcatSetType(nftables.TypeInetProto, nftables.TypeIPAddr, nftables.TypeInetService)
	keyAnyIP = nftables.MustConcatSetType(nftables.TypeInetProto, nftables.TypeInetService)
	mapValue = nftables.MustConcatSetType(nftables.TypeIPAddr, nftables.TypeInetService)
)

// natTable is podd's table.
func natTable() *nftables.Table {
	return &nftables.Table{Name: tableName, Family: nftables.TableFamilyINet}
}

// natSets are the two hostPort maps of table t: by hostIP, and for every node address.
func natSets(t *nftables.Table) (byIP, anyIP *nftables.Set) {
	byIP = &nftables.Set{Table: t, Name: mapByIP, IsMap: true, Concatenation: true, KeyType: keyByIP, DataType: mapValue}
	anyIP = &nftables.Set{Table: t, Name: mapAnyIP, IsMap: true, Concatenation: true, KeyType: keyAnyIP, DataType: mapValue}
	return byIP, anyIP
}

// natChain is one chain of the table: a base chain (hook set) or a regular one.
type natChain struct {
	chain *nftables.Chain
	rules [][]expr.Any
}

// natChains builds the table's chains and rules for the pod subnet (IPv4), looking up the maps
// byIP and anyIP (natSets). A nil subnet (an IPv6-only network) gives the chains without rules.
func natChains(t *nftables.Table, subnet *net.IPNet, byIP, anyIP *nftables.Set) ([]natChain, error) {
	base := func(name string, hook *nftables.ChainHook, prio *nftables.ChainPriority) *nftables.Chain {
		return &nftables.Chain{Table: t, Name: name, Type: nftables.ChainTypeNAT, Hooknum: hook, Priority: prio}
	}
	chains := []natChain{
		{chain: &nftables.Chain{Table: t, Name: chainPorts}},
		{chain: base(chainPre, nftables.ChainHookPrerouting, nftables.ChainPriorityNATDest)},
		{chain: base(chainOutput, nftables.ChainHookOutput, nftables.ChainPriorityNATDest)},
		{chain: base(chainPost, nftables.ChainHookPostrouting, nftables.ChainPriorityNATSource)},
	}
	if subnet == nil {
		return chains, nil
	}
	rules, err := natRules4(subnet, byIP, anyIP)
	if err != nil {
		return nil, err
	}
	for i := range chains {
		chains[i].rules = rules[chains[i].chain.Name]
	}
	return chains, nil
}

// natRules4 are the IPv4 rules for subnet, by chain name, looking up the maps of natSets.
func natRules4(subnet *net.IPNet, byIP, anyIP *nftables.Set) (map[string][][]expr.Any, error) {
	sub4, mask4 := subnet.IP.To4(), net.IP(subnet.Mask).To4()
	if sub4 == nil || mask4 == nil {
		return nil, fmt.Errorf("nat rules: pod subnet %s is not IPv4", subnet)
	}
	jump := [][]expr.Any{cat(ipv4Only(), localDaddr(), verdict(expr.VerdictJump, chainPorts))}
	return map[string][][]expr.Any{
		chainPorts: {
			cat(ipv4Only(), dnatByMap(byIP, true, familyIPv4)),
			cat(ipv4Only(), dnatByMap(anyIP, false, familyIPv4)),
		},
		chainPre:    jump,
		chainOutput: jump,
		chainPost: {
			cat(ipv4Only(), ipPrefix(12, sub4, mask4, expr.CmpOpEq), ipPrefix(16, sub4, mask4, expr.CmpOpNeq), masq()),
			cat(dnated(), ipv4Only(), ipPrefix(12, sub4, mask4, expr.CmpOpEq), ipPrefix(16, sub4, mask4, expr.CmpOpEq), masq()),
			cat(dnated(), ipv4Only(), ipPrefix(12, net.IPv4(127, 0, 0, 0).To4(), net.IPv4(255, 0, 0, 0).To4(), expr.CmpOpEq), masq()),
		},
	}, nil
}

// cat joins slices: expressions into a rule, bytes into a key.
func cat[T any](parts ...[]T) []T {
	var out []T
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// ipv4Only: meta nfproto ipv4.
func ipv4Only() []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: reg1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: []byte{unix.NFPROTO_IPV4}},
	}
}

// localDaddr: fib daddr type local (any of the node's addresses, 127.0.0.1 included).
func localDaddr() []expr.Any {
	return []expr.Any{
		&expr.Fib{Register: reg1, FlagDADDR: true, ResultADDRTYPE: true},
		&expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: binaryutil.NativeEndian.PutUint32(unix.RTN_LOCAL)},
	}
}

// dnated: ct status dnat.
func dnated() []expr.Any {
	return []expr.Any{
		&expr.Ct{Register: reg1, Key: expr.CtKeySTATUS},
		&expr.Bitwise{SourceRegister: reg1, DestRegister: reg1, Len: 4,
			Mask: binaryutil.NativeEndian.PutUint32(ipsDstNAT), Xor: []byte{0, 0, 0, 0}},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: reg1, Data: []byte{0, 0, 0, 0}},
	}
}

// ipPrefix compares the IPv4 address at offset (12: source, 16: destination) of the network
// header, masked, with addr.
func ipPrefix(offset uint32, addr, mask net.IP, op expr.CmpOp) []expr.Any {
	masked := make([]byte, 4)
	for i := range masked {
		masked[i] = addr[i] & mask[i]
	}
	return []expr.Any{
		&expr.Payload{DestRegister: reg1, Base: expr.PayloadBaseNetworkHeader, Offset: offset, Len: 4},
		&expr.Bitwise{SourceRegister: reg1, DestRegister: reg1, Len: 4, Mask: []byte(mask), Xor: []byte{0, 0, 0, 0}},
		&expr.Cmp{Op: op, Register: reg1, Data: masked},
	}
}

// addrFamily is what a family's rules differ by: its nfproto, where the destination address is
// in the network header and how long it is.
type addrFamily struct {
	nfproto       byte
	daddr, length uint32
}

var (
	familyIPv4 = addrFamily{unix.NFPROTO_IPV4, 16, 4}
	familyIPv6 = addrFamily{unix.NFPROTO_IPV6, 24, 16}
)

// dnatByMap: dnat ip[6] to meta l4proto [. ip[6] daddr] . th dport map @set. A concatenation
// puts each field in its own 32-bit registers from reg8 (reg1's first 4 bytes): the protocol in
// reg8, the address from reg9, then the port; the value's address from reg8, then its port.
func dnatByMap(set *nftables.Set, withDaddr bool, f addrFamily) []expr.Any {
	out := []expr.Any{&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: reg1}}
	portReg := uint32(reg9)
	if withDaddr {
		out = append(out, &expr.Payload{DestRegister: reg9, Base: expr.PayloadBaseNetworkHeader, Offset: f.daddr, Len: f.length})
		portReg = reg9 + f.length/4
	}
	return append(out,
		&expr.Payload{DestRegister: portReg, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
		&expr.Lookup{SourceRegister: reg1, SetName: set.Name, SetID: set.ID, DestRegister: reg1, IsDestRegSet: true},
		&expr.NAT{Type: expr.NATTypeDestNAT, Family: uint32(f.nfproto), RegAddrMin: reg1, RegProtoMin: reg8 + f.length/4, Specified: true},
	)
}

func masq() []expr.Any { return []expr.Any{&expr.Masq{}} }

func verdict(kind expr.VerdictKind, chain string) []expr.Any {
	return []expr.Any{&expr.Verdict{Kind: kind, Chain: chain}}
}

// portElement is the map element of one hostPort: its key in the map it goes to (by hostIP or
// for every address) and the pod's address and port.
func portElement(hp HostPort, podIP net.IP) (set string, el nftables.SetElement) {
	proto := []byte{hp.protoNumber(), 0, 0, 0}
	val := append(append([]byte{}, podIP.To4()...), port4(hp.PodPort)...)
	if hp.HostIP == nil {
		return mapAnyIP, nftables.SetElement{Key: cat(proto, port4(hp.HostPort)), Val: val}
	}
	return mapByIP, nftables.SetElement{Key: cat(proto, hp.HostIP.To4(), port4(hp.HostPort)), Val: val}
}

// port4 is a port in network order, padded to a register's 4 bytes.
func port4(p uint16) []byte {
	b := make([]byte, 4)
	binary.BigEndian.PutUint16(b, p)
	return b
}
