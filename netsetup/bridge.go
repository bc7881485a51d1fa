package netsetup

import (
	"errors"
	"fmt"
	"log"
	"net"
	"sync"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// Network is one Linux bridge on the host side, one veth pair per pod and host-local IPAM.
type Network struct {
	Bridge string // e.g. "podd0"
	// Subnet is e.g. 10.77.0.0/16 (IPv4); the gateway, its first address, is on the bridge. nil:
	// an IPv6-only network (Subnet6 alone).
	Subnet *net.IPNet
	// Subnet6 makes the network dual-stack (or IPv6-only): e.g. fd77::/64, its gateway (fd77::1)
	// on the bridge, one address of it per pod besides the IPv4 one. nil: IPv4 only.
	Subnet6 *net.IPNet
	// IPv6First orders a dual-stack pod's addresses IPv6 first (its podIP is the IPv6 one).
	IPv6First bool
	IPAMDir   string // one file per allocated address, named by it, holding the owner id
	// Uplinks are the interfaces pods' egress leaves by, where IPv4 forwarding is enabled with
	// the bridge's; none: the interfaces of the default routes when the first pod attaches.
	Uplinks []string
	// Logf reports what podd changed on the node (nftables, sysctls); nil: the log package.
	Logf func(format string, args ...any)

	leases leaseIndex // owner -> its address files, so a release reads one file, not all
	nat    *NAT       // egress masquerade and hostPorts (nat.go); nil until Setup
	// saidNoUplink: the log said once that pods' egress has no uplink (under NAT's lock).
	saidNoUplink bool

	nlMu        sync.Mutex
	nl          *netlink.Handle  // podd's netlink socket for attaches (podlink.go); nil until used
	nlSock      *nl.SocketHandle // and one for addVeth's request
	bridgeIndex int              // the bridge's ifindex; 0 until looked up
}

// Setup creates the bridge if it is missing, puts the gateway address on it and sets it up. It
// is idempotent.
func (n *Network) Setup() error {
	if n.Subnet == nil && n.Subnet6 == nil {
		return fmt.Errorf("set up bridge %q: network has no subnet", n.Bridge)
	}
	br, err := n.ensureBridge()
	if err != nil {
		return err
	}
	if err := n.setupGateway4(br); err != nil {
		return err
	}
	if err := n.setupGateway6(br); err != nil {
		return err
	}
	if err := netlink.LinkSetUp(br); err != nil {
		return fmt.Errorf("set bridge %q up: %w", n.Bridge, err)
	}
	n.forgetBridge()
	return n.setupNAT()
}

// setupGateway4 puts the IPv4 gateway on the bridge (none on an IPv6-only network).
func (n *Network) setupGateway4(br netlink.Link) error {
	if n.Subnet == nil {
		return nil
	}
	gw, err := n.gateway()
	if err != nil {
		return fmt.Errorf("set up bridge %q: %w", n.Bridge, err)
	}
	if err := netlink.AddrReplace(br, &netlink.Addr{IPNet: gw}); err != nil {
		return fmt.Errorf("add address %s to bridge %q: %w", gw, n.Bridge, err)
	}
	return nil
}

// ensureBridge returns the bridge, creating it if it does not exist.
func (n *Network) ensureBridge() (netlink.Link, error) {
	link, err := netlink.LinkByName(n.Bridge)
	if isNotFound(err) {
		add := &netlink.Bridge{LinkAttrs: netlink.NewLinkAttrs()}
		add.Name = n.Bridge
		if err := netlink.LinkAdd(add); err != nil && !errors.Is(err, unix.EEXIST) {
			return nil, fmt.Errorf("create bridge %q: %w", n.Bridge, err)
		}
		link, err = netlink.LinkByName(n.Bridge)
	}
	if err != nil {
		return nil, fmt.Errorf("find bridge %q: %w", n.Bridge, err)
	}
	if link.Type() != "bridge" {
		return nil, fmt.Errorf("bridge %q: exists as a %s link", n.Bridge, link.Type())
	}
	return link, nil
}

// Teardown deletes the bridge; a missing bridge is fine.
func (n *Network) Teardown() error {
	n.forgetBridge()
	if err := deleteLink(n.Bridge); err != nil {
		return fmt.Errorf("delete bridge %q: %w", n.Bridge, err)
	}
	return nil
}

// deleteLink deletes the named link of the current network namespace, if it exists.
func deleteLink(name string) error {
	link, err := netlink.LinkByName(name)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := netlink.LinkDel(link); err != nil && !errors.Is(err, unix.ENODEV) {
		return err
	}
	return nil
}

func isNotFound(err error) bool {
	var nf netlink.LinkNotFoundError
	return errors.As(err, &nf) || errors.Is(err, unix.ENODEV)
}

func (n *Network) logf(format string, args ...any) {
	if n.Logf != nil {
		n.Logf(format, args...)
		return
	}
	log.Printf(format, args...)
}
