package netsetup

import (
	"fmt"
	"net"
	"os"
	"strings"
)

// HostPorts publishes pods' hostPorts on the node; *Network is the real one. A runtime reserves
// a pod's ports before making anything (a taken one is refused with a *PortConflict), then
// publishes them once the pod has its address; Addresses.Release frees them.
type HostPorts interface {
	Reserve(owner, holder string, ports []HostPort) error
	Publish(owner string, ips []net.IP) error
}

var _ HostPorts = (*Network)(nil)

// setupNAT prepares the network's NAT; with no address leased (no pod to recover) it deletes
// the table an earlier podd may have left, which the first pod makes again.
func (n *Network) setupNAT() error {
	n.nat = &NAT{Subnet: n.Subnet, Subnet6: n.Subnet6, Logf: n.logf, OnTable: n.egressSysctls}
	if n.anyLease() {
		return nil // the first pod recovered replaces the table
	}
	if err := n.nat.Remove(); err != nil {
		return fmt.Errorf("set up pod NAT: %w", err)
	}
	return nil
}

// Reserve takes hostPorts for owner (holder names it in errors); see NAT.Reserve.
func (n *Network) Reserve(owner, holder string, ports []HostPort) error {
	if n.nat == nil {
		return fmt.Errorf("reserve hostPorts of %s: network not set up", owner)
	}
	return n.nat.Reserve(owner, holder, ports)
}

// Publish creates podd's table if needed (egress for the pod) and maps owner's hostPorts to its
// addresses, ips.
func (n *Network) Publish(owner string, ips []net.IP) error {
	if n.nat == nil {
		return fmt.Errorf("publish hostPorts of %s: network not set up", owner)
	}
	return n.nat.Publish(owner, ips)
}

// releaseNAT frees owner's hostPorts (see NAT.Release).
func (n *Network) releaseNAT(owner string) error {
	if n.nat == nil {
		return nil
	}
	return n.nat.Release(owner)
}

// Settle deletes podd's nftables table now if no pod holds it, instead of after its linger
// (podd leaving).
func (n *Network) Settle() error {
	if n.nat == nil {
		return nil
	}
	return n.nat.Settle()
}

// anyLease reports whether an address is leased, without reading every lease.
func (n *Network) anyLease() bool {
	entries, _ := os.ReadDir(n.IPAMDir)
	for _, e := range entries {
		if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			return true
		}
	}
	return false
}
