package runtime

import (
	"errors"
	"fmt"
	"net"

	"github.com/podd/podd/internal/invalid"
	"github.com/podd/podd/netsetup"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// podHostPorts lists the containers' ports that have a hostPort, or the first one podd cannot
// publish; ipv6: the pod network is dual-stack (IPv6 hostIPs allowed).
func podHostPorts(obj *corev1.Pod, ipv6 bool) ([]netsetup.HostPort, error) {
	if obj.Spec.HostNetwork {
		return nil, nil // its processes bind the node's ports themselves: nothing to map
	}
	var out []netsetup.HostPort
	for i, c := range obj.Spec.Containers {
		for j, p := range c.Ports {
			if p.HostPort == 0 { // a hostIP alone publishes nothing (kubelet ignores it)
				continue
			}
			field := fmt.Sprintf("spec.containers[%d].ports[%d]", i, j)
			hp, ferr := netsetup.ParseHostPort(field, string(p.Protocol), p.HostIP, p.HostPort, p.ContainerPort, ipv6)
			if ferr != nil {
				return nil, invalid.Pod(obj.Name, ferr.Error(), invalid.Field(ferr.Field, ferr.Detail))
			}
			out = append(out, hp)
		}
	}
	return out, nil
}

// reservePorts takes the pod's hostPorts before anything is made for it: a port another pod
// holds is a 409 naming the port and that pod.
func (s *sandbox) reservePorts() error {
	if s.portsErr != nil {
		return s.portsErr
	}
	hp, ok := s.rt.net.(netsetup.HostPorts)
	if !ok {
		if len(s.ports) > 0 {
			f := s.ports[0].Field + ".hostPort"
			msg := "hostPort needs the pod network (podd --bridge)"
			return invalid.Pod(s.podName(), f+": "+msg, invalid.Field(f, msg))
		}
		return nil
	}
	err := hp.Reserve(s.id, s.name, s.ports)
	var pc *netsetup.PortConflict
	if errors.As(err, &pc) {
		return apierrors.NewConflict(podsResource, s.podName(), pc)
	}
	if err != nil {
		return fmt.Errorf("pod network: %w", err)
	}
	return nil
}

// publishPorts maps the reserved hostPorts to the pod's address (and makes sure the node's NAT
// is there for its egress).
func (s *sandbox) publishPorts() error {
	hp, ok := s.rt.net.(netsetup.HostPorts)
	if !ok || s.netSpec.hostNetwork {
		return nil
	}
	var ips []net.IP
	for _, a := range s.podIPs() {
		if ip := net.ParseIP(a); ip != nil {
			ips = append(ips, ip)
		}
	}
	if len(ips) == 0 && len(s.ports) == 0 {
		return nil // a pod recorded without an address: nothing to publish
	}
	if len(ips) == 0 {
		return fmt.Errorf("pod network: publish hostPorts: the pod has no address")
	}
	if err := hp.Publish(s.id, ips); err != nil {
		return fmt.Errorf("pod network: %w", err)
	}
	return nil
}
