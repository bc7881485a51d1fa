package probe

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Target is what a container run's probes dial or run in.
type Target struct {
	// NetNS is the pod's network namespace (the pinned file); nil for podd's own (tests).
	NetNS *os.File
	// PodIP is the default host of tcpSocket and httpGet. Empty (a pod without a network)
	// means the pod's loopback, 127.0.0.1 inside its namespace.
	PodIP string
	// Container is the container's spec: it names the ports a probe may refer to.
	Container *corev1.Container
	// Exec runs an exec probe's command in the container (the runtime's exec path); nil when
	// the runtime offers none.
	Exec ExecFunc
}

// ExecFunc runs cmd in the container until ctx ends, killing what it started then, and returns
// its combined output and exit code; err is for a command that could not be run.
type ExecFunc func(ctx context.Context, cmd []string) (output []byte, code int, err error)

// addr is the address a probe dials: host (the pod IP when empty; a name is looked up with
// podd's resolver, as the kubelet uses the node's) and port.
func (t *Target) addr(ctx context.Context, host string, port int) (netip.AddrPort, error) {
	host = t.host(host)
	ip, err := netip.ParseAddr(host)
	if err != nil {
		Blocking(ctx)
		ctx, cancel := withDeadline(ctx)
		defer cancel()
		ips, lerr := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		if lerr != nil || len(ips) == 0 {
			return netip.AddrPort{}, fmt.Errorf("dial tcp %s: %w", net.JoinHostPort(host, strconv.Itoa(port)), lerr)
		}
		ip = ips[0]
	}
	return netip.AddrPortFrom(ip, uint16(port)), nil
}

// host is the host a probe dials: host, else the pod IP, else the pod's loopback.
func (t *Target) host(host string) string {
	if host == "" {
		host = t.PodIP
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return host
}

// resolvePort is the kubelet's ResolvePort: a number, or a number in a string, or the name of
// one of the container's ports.
func resolvePort(ref intstr.IntOrString, c *corev1.Container) (int, error) {
	if ref.Type == intstr.Int {
		return ref.IntValue(), nil
	}
	if n, err := strconv.Atoi(ref.StrVal); err == nil {
		return n, nil
	}
	if c != nil {
		for _, p := range c.Ports {
			if p.Name == ref.StrVal {
				return int(p.ContainerPort), nil
			}
		}
	}
	name := ""
	if c != nil {
		name = c.Name
	}
	return -1, fmt.Errorf("couldn't find port: %s in container %s", ref.StrVal, name)
}
