package runtime

import (
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/podd/podd/netsetup"
	corev1 "k8s.io/api/core/v1"
)

// podNetSpec is what the sandbox needs of the pod's spec for its network and /etc files.
type podNetSpec struct {
	hostNetwork bool
	domain      string // <subdomain>.<namespace>.svc.cluster.local, or ""
	aliases     []corev1.HostAlias
	dnsPolicy   corev1.DNSPolicy
	dnsConfig   *corev1.PodDNSConfig
}

func podNetSpecOf(obj *corev1.Pod) podNetSpec {
	return podNetSpec{hostNetwork: obj.Spec.HostNetwork, domain: podDomain(obj), aliases: obj.Spec.HostAliases,
		dnsPolicy: obj.Spec.DNSPolicy, dnsConfig: obj.Spec.DNSConfig}
}

// sandboxHostname is the pod's hostname: the node's for a hostNetwork pod (it shares the node's
// UTS namespace, as with containerd), else kubelet's from the spec.
func sandboxHostname(obj *corev1.Pod) string {
	if obj.Spec.HostNetwork {
		if h, err := os.Hostname(); err == nil {
			return h
		}
	}
	return podHostname(obj)
}

// hostNetCreator is the namespaces' maker for hostNetwork pods (netsetup.HostNamespaces).
type hostNetCreator interface {
	CreateHostNet(dir string) (*netsetup.PodNS, error)
}

// createHostNetNamespaces pins a hostNetwork pod's namespaces (podd's network and UTS, an IPC
// of its own): no veth, no address from the pod network; its IP is the node's.
func (s *sandbox) createHostNetNamespaces() error {
	c, ok := s.rt.pins.(hostNetCreator)
	if !ok {
		return errors.New("pod namespaces: hostNetwork is not supported by this runtime's namespaces")
	}
	ns, err := c.CreateHostNet(s.nsDir())
	if err != nil {
		return fmt.Errorf("pod namespaces: %w", err)
	}
	s.ns = ns
	s.ip, s.ips = nodeIP(), nil
	return s.writeEtcFiles()
}

// nodeIP is the node's address as a hostNetwork pod's IP: the source address of the default
// route (no packet is sent), else the first global unicast IPv4 address of an interface, else
// "" (a node with no address).
func nodeIP() string {
	if c, err := net.Dial("udp4", "198.51.100.1:9"); err == nil {
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).IP.String()
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && n.IP.IsGlobalUnicast() {
			return n.IP.String()
		}
	}
	return ""
}
