package runtime

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"

	"github.com/podd/podd/probe"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// PortForward connects to port on the pod's localhost from inside its network namespace (from
// podd's own for a hostNetwork pod), as containerd's port-forward does: 127.0.0.1 first, then
// ::1. So it reaches a server bound to the pod's 127.0.0.1 and ports without hostPort. The
// socket is made on a thread that joined the namespace (probe.Dialer.DialIn, as the probes).
func (rt *Runtime) PortForward(ctx context.Context, namespace, name string, port int32) (net.Conn, error) {
	p := rt.lookup(namespace, name)
	if p == nil {
		return nil, apierrors.NewNotFound(podsResource, name)
	}
	p.mu.Lock()
	phase, ns, uid, hostNet := p.obj.Status.Phase, p.ns, p.uid(), p.obj.Spec.HostNetwork
	p.mu.Unlock()
	if phase != corev1.PodRunning || (ns == nil && !hostNet) {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("unable to forward port because pod is not running. Current status=%v", phase))
	}
	var netns *os.File
	if !hostNet {
		f, err := ns.OpenNet()
		if err != nil {
			return nil, fmt.Errorf("error forwarding port %d to pod %s, uid : open its network namespace: %w", port, uid, err)
		}
		defer f.Close()
		netns = f
	}
	conn, err := dialLocalhost(ctx, rt.forwardDialer(), netns, uint16(port))
	if err != nil {
		return nil, fmt.Errorf("error forwarding port %d to pod %s, uid : %w", port, uid, err)
	}
	return conn, nil
}

// dialLocalhost tries 127.0.0.1 then ::1, containerd's order, and its error naming both.
func dialLocalhost(ctx context.Context, d *probe.Dialer, netns *os.File, port uint16) (net.Conn, error) {
	c, err4 := d.DialIn(ctx, netns, netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), port))
	if err4 == nil {
		return c, nil
	}
	c, err6 := d.DialIn(ctx, netns, netip.AddrPortFrom(netip.IPv6Loopback(), port))
	if err6 == nil {
		return c, nil
	}
	return nil, fmt.Errorf("failed to connect to localhost:%d inside the pod's network namespace, IPv4: %w IPv6 %w", port, err4, err6)
}

var ownForwardDialer = sync.OnceValue(probe.NewDialer)

// forwardDialer is the probes' dialer (one socket thread for both), or one of port-forward's
// own when probes are off (tests).
func (rt *Runtime) forwardDialer() *probe.Dialer {
	if rt.probing != nil && rt.probing.dialer != nil {
		return rt.probing.dialer
	}
	return ownForwardDialer()
}
