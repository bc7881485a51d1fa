package netsetup

import (
	"net"
	"reflect"
	"strings"
	"testing"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// The expressions nft itself makes for these rules (nft --debug=netlink, kernel 6.x), written
// out by hand so a change in the builders shows here without root.
func TestNATChains(t *testing.T) {
	_, subnet, _ := net.ParseCIDR("10.77.0.0/16")
	tb := natTable()
	byIP, anyIP := natSets(tb)
	byIP.ID, anyIP.ID = 1, 2
	chains, err := natChains(tb, subnet, byIP, anyIP)
	if err != nil {
		t.Fatal(err)
	}
	le := func(v uint32) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} } // host order (amd64, arm64)
	nfproto := []expr.Any{&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1}, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{2}}}
	jump := cat(nfproto, []expr.Any{
		&expr.Fib{Register: 1, FlagDADDR: true, ResultADDRTYPE: true},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: le(unix.RTN_LOCAL)},
		&expr.Verdict{Kind: expr.VerdictJump, Chain: "hostports"},
	})
	prefix := func(off uint32, op expr.CmpOp, addr, mask []byte) []expr.Any {
		return []expr.Any{
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: 4},
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: mask, Xor: []byte{0, 0, 0, 0}},
			&expr.Cmp{Op: op, Register: 1, Data: addr},
		}
	}
	pods, mask := []byte{10, 77, 0, 0}, []byte{255, 255, 0, 0}
	ctDNAT := []expr.Any{
		&expr.Ct{Register: 1, Key: expr.CtKeySTATUS},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: le(0x20), Xor: []byte{0, 0, 0, 0}},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: []byte{0, 0, 0, 0}},
	}
	natExpr := &expr.NAT{Type: expr.NATTypeDestNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: 1, RegProtoMin: 9, Specified: true}
	want := map[string][][]expr.Any{
		"hostports": {
			cat(nfproto, []expr.Any{
				&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
				&expr.Payload{DestRegister: 9, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
				&expr.Payload{DestRegister: 10, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
				&expr.Lookup{SourceRegister: 1, SetName: "hostports", SetID: 1, DestRegister: 1, IsDestRegSet: true},
				natExpr,
			}),
			cat(nfproto, []expr.Any{
				&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
				&expr.Payload{DestRegister: 9, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
				&expr.Lookup{SourceRegister: 1, SetName: "hostports-any", SetID: 2, DestRegister: 1, IsDestRegSet: true},
				natExpr,
			}),
		},
		"prerouting": {jump},
		"output":     {jump},
		"postrouting": {
			cat(nfproto, prefix(12, expr.CmpOpEq, pods, mask), prefix(16, expr.CmpOpNeq, pods, mask), []expr.Any{&expr.Masq{}}),
			cat(ctDNAT, nfproto, prefix(12, expr.CmpOpEq, pods, mask), prefix(16, expr.CmpOpEq, pods, mask), []expr.Any{&expr.Masq{}}),
			cat(ctDNAT, nfproto, prefix(12, expr.CmpOpEq, []byte{127, 0, 0, 0}, []byte{255, 0, 0, 0}), []expr.Any{&expr.Masq{}}),
		},
	}
	hooks := map[string]struct {
		hook *nftables.ChainHook
		prio *nftables.ChainPriority
	}{
		"prerouting":  {nftables.ChainHookPrerouting, nftables.ChainPriorityNATDest},
		"output":      {nftables.ChainHookOutput, nftables.ChainPriorityNATDest},
		"postrouting": {nftables.ChainHookPostrouting, nftables.ChainPriorityNATSource},
	}
	if len(chains) != len(want) {
		t.Fatalf("%d chains, want %d", len(chains), len(want))
	}
	for _, c := range chains {
		if !reflect.DeepEqual(c.rules, want[c.chain.Name]) {
			t.Errorf("chain %s:\n got %s\nwant %s", c.chain.Name, dump(c.rules), dump(want[c.chain.Name]))
		}
		h, base := hooks[c.chain.Name]
		if base && (c.chain.Type != nftables.ChainTypeNAT || *c.chain.Hooknum != *h.hook || *c.chain.Priority != *h.prio) {
			t.Errorf("chain %s: type %q hook %v priority %v", c.chain.Name, c.chain.Type, c.chain.Hooknum, c.chain.Priority)
		}
		if !base && c.chain.Hooknum != nil {
			t.Errorf("chain %s is a base chain", c.chain.Name)
		}
	}
}

func dump(rules [][]expr.Any) string {
	var b strings.Builder
	for _, r := range rules {
		b.WriteString("\n  [")
		for _, e := range r {
			b.WriteString(" " + strings.TrimPrefix(reflect.TypeOf(e).String(), "*expr."))
			b.WriteString(strings.ReplaceAll(strings.TrimPrefix(reflect.ValueOf(e).Elem().String(), "<"), ">", ""))
		}
		b.WriteString(" ]")
	}
	return b.String()
}

func TestNATChainsRefuseIPv6(t *testing.T) {
	_, subnet, _ := net.ParseCIDR("fd00:77::/64")
	byIP, anyIP := natSets(natTable())
	if _, err := natChains(natTable(), subnet, byIP, anyIP); err == nil {
		t.Fatal("an IPv6 pod subnet got IPv4 NAT rules")
	}
}

// TestPortElement: the map keys and values, each field in its own 4 bytes as nft concatenates.
func TestPortElement(t *testing.T) {
	pod := net.IPv4(10, 77, 0, 9)
	for _, c := range []struct {
		hp       HostPort
		set      string
		key, val []byte
	}{
		{HostPort{Protocol: "TCP", HostPort: 8080, PodPort: 80}, "hostports-any",
			[]byte{6, 0, 0, 0, 0x1f, 0x90, 0, 0}, []byte{10, 77, 0, 9, 0, 80, 0, 0}},
		{HostPort{Protocol: "UDP", HostIP: net.IPv4(127, 0, 0, 1), HostPort: 53, PodPort: 5353}, "hostports",
			[]byte{17, 0, 0, 0, 127, 0, 0, 1, 0, 53, 0, 0}, []byte{10, 77, 0, 9, 0x14, 0xe9, 0, 0}},
	} {
		set, el := portElement(c.hp, pod)
		if set != c.set || !reflect.DeepEqual(el.Key, c.key) || !reflect.DeepEqual(el.Val, c.val) {
			t.Errorf("%v: %s key %v val %v; want %s %v %v", c.hp, set, el.Key, el.Val, c.set, c.key, c.val)
		}
	}
	byIP, anyIP := natSets(natTable())
	if byIP.KeyType.Bytes != 12 || anyIP.KeyType.Bytes != 8 || byIP.DataType.Bytes != 8 || !byIP.IsMap || !anyIP.Concatenation {
		t.Errorf("map types: %+v %+v", byIP, anyIP)
	}
}

func TestParseHostPort(t *testing.T) {
	const f = "spec.containers[0].ports[0]"
	for _, c := range []struct {
		proto, ip      string
		host, ctr      int32
		wantField, has string
		wantIP         net.IP
		ipv6           bool
	}{
		{proto: "TCP", host: 80, ctr: 8080},
		{proto: "UDP", ip: "0.0.0.0", host: 53, ctr: 53},
		{proto: "TCP", ip: "192.0.2.1", host: 80, ctr: 80, wantIP: net.IPv4(192, 0, 2, 1)},
		{proto: "SCTP", host: 80, ctr: 80, wantField: f + ".protocol", has: "TCP and UDP"},
		{proto: "TCP", host: 70000, ctr: 80, wantField: f + ".hostPort", has: "65535"},
		{proto: "TCP", host: 0, ctr: 80, ip: "192.0.2.1", wantField: f + ".hostPort", has: "between 1"},
		{proto: "TCP", ip: "nope", host: 80, ctr: 80, wantField: f + ".hostIP", has: "not an IP"},
		{proto: "TCP", ip: "fd00::1", host: 80, ctr: 80, wantField: f + ".hostIP", has: "IPv4"},
		{proto: "TCP", ip: "fd00::1", host: 80, ctr: 80, ipv6: true, wantIP: net.ParseIP("fd00::1")},
		{proto: "TCP", ip: "::", host: 80, ctr: 80, ipv6: true},
	} {
		hp, err := ParseHostPort(f, c.proto, c.ip, c.host, c.ctr, c.ipv6)
		if c.wantField != "" {
			if err == nil || err.Field != c.wantField || !strings.Contains(err.Detail, c.has) {
				t.Errorf("%+v: %v, want an error on %s saying %q", c, err, c.wantField, c.has)
			}
			continue
		}
		if err != nil || !hp.HostIP.Equal(c.wantIP) || int32(hp.HostPort) != c.host || int32(hp.PodPort) != c.ctr {
			t.Errorf("%+v: %+v, %v", c, hp, err)
		}
	}
}

// TestConflict: the scheduler's NodePorts rule: same protocol and port, and the same hostIP or
// either on every address.
func TestConflict(t *testing.T) {
	any80 := HostPort{Protocol: "TCP", HostPort: 80, Field: "f"}
	lo80 := HostPort{Protocol: "TCP", HostIP: net.IPv4(127, 0, 0, 1).To4(), HostPort: 80, Field: "f"}
	other80 := HostPort{Protocol: "TCP", HostIP: net.IPv4(192, 0, 2, 1).To4(), HostPort: 80, Field: "f"}
	udp80 := HostPort{Protocol: "UDP", HostPort: 80, Field: "f"}
	tcp81 := HostPort{Protocol: "TCP", HostPort: 81, Field: "f"}
	for _, c := range []struct {
		held, asked HostPort
		clash       bool
	}{
		{any80, any80, true}, {any80, lo80, true}, {lo80, any80, true}, {lo80, lo80, true},
		{lo80, other80, false}, {any80, udp80, false}, {any80, tcp81, false},
	} {
		ix := portIndex{}
		ix.add("uid-a", "default/a", []HostPort{c.held})
		got := ix.conflict("default/b", []HostPort{c.asked})
		if (got != nil) != c.clash || (got != nil && got.Holder != "default/a") {
			t.Errorf("held %s, asked %s: %v, want clash %v", c.held, c.asked, got, c.clash)
		}
	}
	if got := (portIndex{}).conflict("default/b", []HostPort{lo80, any80}); got == nil || got.Holder != "default/b" {
		t.Errorf("one pod asking twice: %v", got)
	}
	ix := portIndex{}
	ix.add("uid-a", "default/a", []HostPort{any80, udp80})
	ix.add("uid-b", "default/b", []HostPort{tcp81})
	ix.remove("uid-a", []HostPort{any80, udp80})
	if len(ix) != 1 || ix.conflict("default/c", []HostPort{any80, udp80}) != nil || ix.conflict("default/c", []HostPort{tcp81}) == nil {
		t.Errorf("after a remove: %v", ix)
	}
}
