package runtime

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/podd/podd/netsetup"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// portsNet is fakeNet with hostPorts: a port held by one owner is refused to the others.
type portsNet struct {
	fakeNet
	mu        sync.Mutex
	held      map[uint16]string // hostPort -> holder
	owners    map[string]uint16 // owner -> its hostPort
	published map[string]net.IP
}

func (p *portsNet) Reserve(owner, holder string, ports []netsetup.HostPort) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, hp := range ports {
		if h, ok := p.held[hp.HostPort]; ok {
			return &netsetup.PortConflict{Port: hp, Holder: h, Held: hp}
		}
		p.held[hp.HostPort], p.owners[owner] = holder, hp.HostPort
	}
	return nil
}

func (p *portsNet) Publish(owner string, ips []net.IP) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.published[owner] = ips[0]
	return nil
}

func (p *portsNet) Release(owner string) error {
	p.mu.Lock()
	if port, ok := p.owners[owner]; ok {
		delete(p.held, port)
		delete(p.owners, owner)
	}
	delete(p.published, owner)
	p.mu.Unlock()
	return p.fakeNet.Release(owner)
}

func withHostPort(in *corev1.Pod, port int32, hostIP string) *corev1.Pod {
	in.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 8080, HostPort: port, HostIP: hostIP, Protocol: corev1.ProtocolTCP}}
	return in
}

// TestHostPortTaken: a second pod asking for a held hostPort gets a 409 naming the port and the
// pod holding it, and nothing of it is left; the first pod's ports are published at its address.
func TestHostPortTaken(t *testing.T) {
	rt, h := newTestRuntime(t)
	pn := newPortsNet(h)
	rt.net = pn
	a, _, err := rt.Apply(context.Background(), withHostPort(testPod(t, "a", "web"), 18080, ""))
	if err != nil {
		t.Fatal(err)
	}
	if ip := pn.published[string(a.UID)]; ip == nil || ip.String() != a.Status.PodIP {
		t.Errorf("published at %v, pod IP %s", ip, a.Status.PodIP)
	}
	before := leftovers(t, rt, h)
	_, _, err = rt.Apply(context.Background(), withHostPort(testPod(t, "b", "web"), 18080, ""))
	if !apierrors.IsConflict(err) || !strings.Contains(err.Error(), "18080/TCP") || !strings.Contains(err.Error(), "default/a") {
		t.Fatalf("second pod: %v, want a 409 naming 18080/TCP and default/a", err)
	}
	if after := leftovers(t, rt, h); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Errorf("the refused pod left:\n%s\nwas:\n%s", strings.Join(after, "\n"), strings.Join(before, "\n"))
	}
	if rt.lookup("default", "b") != nil {
		t.Error("the refused pod is known")
	}
}

// TestHostPortInvalid: what podd cannot publish is a 422 naming the field, before anything is
// made; without a pod network a hostPort is refused the same way.
func TestHostPortInvalid(t *testing.T) {
	rt, h := newTestRuntime(t)
	_, _, err := rt.Apply(context.Background(), withHostPort(testPod(t, "a", "web"), 18080, "fd00::1"))
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.containers[0].ports[0].hostIP") {
		t.Fatalf("IPv6 hostIP: %v", err)
	}
	rt.net = nil
	_, _, err = rt.Apply(context.Background(), withHostPort(testPod(t, "b", "web"), 18080, ""))
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.containers[0].ports[0].hostPort") {
		t.Fatalf("no pod network: %v", err)
	}
	if left := leftovers(t, rt, h); len(left) > 0 {
		t.Errorf("left: %v", left)
	}
}

// TestHostPortRestored: a restarted podd reserves and publishes again, from the records, the
// hostPorts of the pods it recovers: the port is still refused to another pod.
func TestHostPortRestored(t *testing.T) {
	rt, h := newTestRuntime(t)
	rt.net = newPortsNet(h)
	a, procs := running(t, rt, h, withHostPort(testPod(t, "a", "web"), 18080, ""))
	h.survives(procs["web"])
	rt = h.restart(rt)
	pn := newPortsNet(h) // the new podd's: empty
	rt.net = pn
	rt.Recover()
	if ip := pn.published[string(a.UID)]; ip == nil || ip.String() != a.Status.PodIP {
		t.Fatalf("after the restart, published at %v, pod IP %s", ip, a.Status.PodIP)
	}
	_, _, err := rt.Apply(context.Background(), withHostPort(testPod(t, "b", "web"), 18080, ""))
	if !apierrors.IsConflict(err) {
		t.Fatalf("after the restart, a second pod with the port: %v", err)
	}
}

func newPortsNet(h *fakeHost) *portsNet {
	return &portsNet{fakeNet: fakeNet{h}, held: map[uint16]string{}, owners: map[string]uint16{}, published: map[string]net.IP{}}
}

// A hostNetwork pod's processes bind the node's ports themselves: its hostPorts are no DNAT
// mapping (one to the node's own address and port would loop).
func TestHostNetworkPortsNotMapped(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{HostNetwork: true, Containers: []corev1.Container{{
		Name: "web", Ports: []corev1.ContainerPort{{ContainerPort: 8080, HostPort: 8080, Protocol: corev1.ProtocolTCP}}}}}}
	ports, err := podHostPorts(pod, false)
	if err != nil || len(ports) != 0 {
		t.Fatalf("hostNetwork pod: ports %v, %v; want none", ports, err)
	}
	pod.Spec.HostNetwork = false
	if ports, err := podHostPorts(pod, false); err != nil || len(ports) != 1 {
		t.Fatalf("pod network: ports %v, %v; want the one", ports, err)
	}
}
