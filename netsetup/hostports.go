package netsetup

import (
	"fmt"
	"net"
	"slices"

	"golang.org/x/sys/unix"
)

// HostPort is one containerPort published on the node: connections to HostPort (on HostIP, or on
// every node address and 127.0.0.1) go to the pod's PodPort.
type HostPort struct {
	Protocol string // "TCP" or "UDP"
	HostIP   net.IP // IPv4, or IPv6 on a dual-stack network; nil: every node address (hostIP "", 0.0.0.0 or ::)
	HostPort uint16
	PodPort  uint16
	Field    string // where the pod asks for it: spec.containers[0].ports[1]
}

// ParseHostPort checks one containerPort that has a hostPort, naming the field at fault; ipv6:
// the pod network is dual-stack, so an IPv6 hostIP may be published.
func ParseHostPort(field, protocol, hostIP string, hostPort, containerPort int32, ipv6 bool) (HostPort, *FieldError) {
	hp := HostPort{Protocol: protocol, Field: field}
	if protocol != "TCP" && protocol != "UDP" {
		return hp, &FieldError{field + ".protocol", fmt.Sprintf("hostPort supports TCP and UDP, not %q", protocol)}
	}
	if hostPort < 1 || hostPort > 65535 {
		return hp, &FieldError{field + ".hostPort", fmt.Sprintf("must be between 1 and 65535, inclusive, not %d", hostPort)}
	}
	if containerPort < 1 || containerPort > 65535 {
		return hp, &FieldError{field + ".containerPort", "must be between 1 and 65535, inclusive"}
	}
	hp.HostPort, hp.PodPort = uint16(hostPort), uint16(containerPort)
	if hostIP == "" {
		return hp, nil
	}
	ip := net.ParseIP(hostIP)
	switch {
	case ip == nil:
		return hp, &FieldError{field + ".hostIP", fmt.Sprintf("%q is not an IP address", hostIP)}
	case ip.To4() == nil && !ipv6:
		return hp, &FieldError{field + ".hostIP", fmt.Sprintf("%q: only IPv4 hostIPs are supported", hostIP)}
	case ip.To4() != nil && !ip.IsUnspecified():
		hp.HostIP = ip.To4()
	case !ip.IsUnspecified():
		hp.HostIP = ip
	}
	return hp, nil
}

// FieldError is a containerPort podd cannot publish: the field and why.
type FieldError struct {
	Field, Detail string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Detail }

// String is how errors name a hostPort: "8080/TCP on 0.0.0.0".
func (hp HostPort) String() string {
	ip := "0.0.0.0"
	if hp.HostIP != nil {
		ip = hp.HostIP.String()
	}
	return fmt.Sprintf("%d/%s on %s", hp.HostPort, hp.Protocol, ip)
}

// overlaps reports whether hp and o cannot both be published: same protocol and port, and the
// same hostIP or one of them on every address (the scheduler's NodePorts rule).
func (hp HostPort) overlaps(o HostPort) bool {
	return hp.Protocol == o.Protocol && hp.HostPort == o.HostPort &&
		(hp.HostIP == nil || o.HostIP == nil || hp.HostIP.Equal(o.HostIP))
}

func (hp HostPort) protoNumber() byte {
	if hp.Protocol == "UDP" {
		return unix.IPPROTO_UDP
	}
	return unix.IPPROTO_TCP
}

// PortConflict is a hostPort that another pod (or the same pod, twice) already holds.
type PortConflict struct {
	Port   HostPort // the one asked for
	Holder string   // the pod that holds it: namespace/name
	Held   HostPort // what it holds
}

func (e *PortConflict) Error() string {
	msg := fmt.Sprintf("%s.hostPort: %s is taken by pod %s", e.Port.Field, e.Port, e.Holder)
	if held := e.Held.String(); held != e.Port.String() {
		msg += " (" + held + ")"
	}
	return msg
}

// portHolder is one pod's hostPorts.
type portHolder struct {
	name  string // namespace/name
	ports []HostPort
	ips   []net.IP // nil until published
}

// protoPort is what two hostPorts must share to clash.
type protoPort struct {
	proto string
	port  uint16
}

// heldPort is a hostPort and the pod holding it.
type heldPort struct {
	owner  string // pod uid
	holder string // namespace/name
	port   HostPort
}

// portIndex is every held hostPort by protocol and port, so a pod's check looks at the pods
// holding its ports only, however many pods there are.
type portIndex map[protoPort][]heldPort

func (ix portIndex) add(owner, holder string, ports []HostPort) {
	for _, p := range ports {
		k := protoPort{p.Protocol, p.HostPort}
		ix[k] = append(ix[k], heldPort{owner, holder, p})
	}
}

// remove drops owner's ports.
func (ix portIndex) remove(owner string, ports []HostPort) {
	for _, p := range ports {
		k := protoPort{p.Protocol, p.HostPort}
		ix[k] = slices.DeleteFunc(ix[k], func(h heldPort) bool { return h.owner == owner })
		if len(ix[k]) == 0 {
			delete(ix, k)
		}
	}
}

// conflict finds the first of ports that overlaps one held in ix (or an earlier one of ports
// itself, under the name self).
func (ix portIndex) conflict(self string, ports []HostPort) *PortConflict {
	for i, p := range ports {
		for _, q := range ports[:i] {
			if p.overlaps(q) {
				return &PortConflict{Port: p, Holder: self, Held: q}
			}
		}
		for _, h := range ix[protoPort{p.Protocol, p.HostPort}] {
			if p.overlaps(h.port) {
				return &PortConflict{Port: p, Holder: h.holder, Held: h.port}
			}
		}
	}
	return nil
}
