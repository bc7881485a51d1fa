package netsetup

import (
	"errors"
	"fmt"
	"net"
	"slices"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// hostRange6 is the IPv6 subnet's gateway (its first address after the subnet-router anycast
// one) and the last address pods may get (the one before all ones, so counting never wraps).
func (n *Network) hostRange6() (gw, last net.IP, err error) {
	if n.Subnet6 == nil {
		return nil, nil, errors.New("network has no IPv6 subnet")
	}
	ones, bits := n.Subnet6.Mask.Size()
	if n.Subnet6.IP.To4() != nil || bits != 128 {
		return nil, nil, fmt.Errorf("IPv6 subnet %s is not IPv6", n.Subnet6)
	}
	if ones > 126 {
		return nil, nil, fmt.Errorf("IPv6 subnet %s: too small for a gateway and a pod (max /126)", n.Subnet6)
	}
	network := n.Subnet6.IP.Mask(n.Subnet6.Mask)
	last = slices.Clone(network)
	for i := range last {
		last[i] |= ^n.Subnet6.Mask[i]
	}
	last[15]-- // all ones end in 0xff: no borrow
	return nextIP(network), last, nil
}

// gateway6 is the IPv6 subnet's gateway with the subnet's prefix length, as put on the bridge.
func (n *Network) gateway6() (*net.IPNet, error) {
	gw, _, err := n.hostRange6()
	if err != nil {
		return nil, err
	}
	return &net.IPNet{IP: gw, Mask: n.Subnet6.Mask}, nil
}

// allocate6 reserves the lowest free IPv6 address after the gateway for owner.
func (n *Network) allocate6(owner string) (net.IP, error) {
	gw, last, err := n.hostRange6()
	if err != nil {
		return nil, fmt.Errorf("allocate IPv6 address for %q: %w", owner, err)
	}
	return n.allocateIn(owner, n.Subnet6, nextIP(gw), last)
}

// inSubnets reports whether ip is in the network's IPv4 or IPv6 subnet.
func (n *Network) inSubnets(ip net.IP) bool {
	if ip4 := ip.To4(); ip4 != nil {
		return n.Subnet != nil && n.Subnet.Contains(ip4)
	}
	return n.Subnet6 != nil && n.Subnet6.Contains(ip)
}

// setupGateway6 puts the IPv6 gateway on the bridge (dual-stack only), without duplicate
// address detection: podd owns the subnet, and a tentative gateway would drop pods' first
// packets.
func (n *Network) setupGateway6(br netlink.Link) error {
	if n.Subnet6 == nil {
		return nil
	}
	gw, err := n.gateway6()
	if err != nil {
		return fmt.Errorf("set up bridge %q: %w", n.Bridge, err)
	}
	if err := netlink.AddrReplace(br, &netlink.Addr{IPNet: gw, Flags: unix.IFA_F_NODAD}); err != nil {
		return fmt.Errorf("add address %s to bridge %q: %w", gw, n.Bridge, err)
	}
	return nil
}
