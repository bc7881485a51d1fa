package netsetup

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// podIfName is the name of the pod's end of its veth pair.
const podIfName = "eth0"

// vethGrace is how long Release gives the kernel to take the veth pair away with the pod's
// network namespace (after PodNS.Remove the netns is destroyed asynchronously, in ~20-40 ms)
// before deleting it itself, which costs as much again and competes for rtnl.
const vethGrace = 100 * time.Millisecond

// vethName is the host end's name: "vp" and the owner's first 8 hex digits (a pod uid starts
// with them).
func vethName(owner string) (string, error) {
	if len(owner) < 8 || strings.Trim(owner[:8], "0123456789abcdefABCDEF") != "" {
		return "", fmt.Errorf("veth name for %q: owner must start with 8 hex digits", owner)
	}
	return "vp" + strings.ToLower(owner[:8]), nil
}

// Attach allocates an address for owner (the pod uid), and an IPv6 one on a dual-stack network
// (only that one on an IPv6-only network),
// and connects the pod to the bridge with a veth pair: the host end "vp"+owner[:8] on the bridge,
// the pod end "eth0" with the addresses and default routes via the gateways. It returns the
// addresses in status order (IPv4 first unless IPv6First). On failure it releases what it made.
func (n *Network) Attach(pod *PodNS, owner string) (_ []net.IP, err error) {
	name, err := vethName(owner)
	if err != nil {
		return nil, err
	}
	host, sock, bridge, err := n.hostLink()
	if err != nil {
		return nil, err
	}
	addrs, err := n.allocateAll(owner)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			for _, a := range addrs {
				n.free(a.ip, owner)
			}
		}
	}()
	pl, err := openPodLink(pod)
	if err != nil {
		return nil, fmt.Errorf("attach %q: %w", owner, err)
	}
	defer pl.close()
	if err := createVeth(host, sock, name, bridge, n.Bridge, pl.ns); err != nil {
		n.forgetBridge() // look it up again next time: it may have been made again
		return nil, err
	}
	if err := configurePodIf(pl.h, addrs); err != nil {
		deleteLink(name)
		return nil, fmt.Errorf("attach %q: %w", owner, err)
	}
	if err := settleCarrier(name, n.Bridge); err != nil {
		deleteLink(name)
		return nil, fmt.Errorf("attach %q: %w", owner, err)
	}
	ips := []net.IP{addrs[0].ip}
	if len(addrs) > 1 && n.IPv6First {
		ips = []net.IP{addrs[1].ip, addrs[0].ip}
	} else if len(addrs) > 1 {
		ips = append(ips, addrs[1].ip)
	}
	return ips, nil
}

// podAddr is one of a pod's addresses and the gateway (with the subnet's mask) it routes by.
type podAddr struct {
	ip net.IP
	gw *net.IPNet
}

// allocateAll reserves owner's IPv4 address, then its IPv6 one on a dual-stack (or IPv6-only)
// network; on failure it frees what it reserved.
func (n *Network) allocateAll(owner string) ([]podAddr, error) {
	var addrs []podAddr
	if n.Subnet != nil {
		gw, err := n.gateway()
		if err != nil {
			return nil, err
		}
		ip, err := n.allocate(owner)
		if err != nil {
			return nil, err
		}
		addrs = append(addrs, podAddr{ip, gw})
	}
	if n.Subnet6 == nil {
		return addrs, nil
	}
	gw6, err := n.gateway6()
	var ip6 net.IP
	if err == nil {
		ip6, err = n.allocate6(owner)
	}
	if err != nil {
		for _, a := range addrs {
			n.free(a.ip, owner)
		}
		return nil, err
	}
	return append(addrs, podAddr{ip6, gw6}), nil
}

// createVeth creates the pair (addVeth, on sock) with the host end up on the bridge (by its
// index; bridgeName for messages) and its peer "eth0" made directly in the pod's network
// namespace ns (no move, no rename), then sets the host end's IPv6 and hairpin mode by h.
func createVeth(h *netlink.Handle, sock *nl.SocketHandle, name string, bridge int, bridgeName string, ns *os.File) error {
	err := addVeth(sock, name, bridge, ns)
	if err != nil && !errors.Is(err, os.ErrExist) {
		deleteLink(name) // the kernel unregisters a pair it could not put on the bridge; in case
	}
	if errors.Is(err, unix.EXFULL) {
		return fmt.Errorf("create veth %q: bridge %q has all its 1024 ports taken: %w", name, bridgeName, err)
	}
	if err != nil {
		return err
	}
	veth, err := h.LinkByName(name)
	if err != nil {
		deleteLink(name)
		return fmt.Errorf("create veth %q: %w", name, err)
	}
	// No IPv6 on the port, set before the pod's end goes up and gives it a carrier: a port's
	// own IPv6 (DAD, router solicitations, MLD) is multicast the bridge floods to every other
	// port, work that grows with the pods on each attach.
	if err := noLinkLocal(h, veth); err != nil {
		deleteLink(name)
		return fmt.Errorf("create veth %q: %w", name, err)
	}
	// Hairpin: with br_netfilter loaded, a pod's connection to its own hostPort is DNATed on the
	// bridge and must go back out the port it came in by.
	if err := h.LinkSetHairpin(veth, true); err != nil {
		deleteLink(name)
		return fmt.Errorf("create veth %q: hairpin mode: %w", name, err)
	}
	return nil
}

// noLinkLocal sets link's IPv6 address generation mode to none before it goes up, so it gets
// no link-local address and sends no DAD, router solicitation or MLD report. It goes by
// netlink: the disable_ipv6 sysctl costs a /proc/sys lookup that compares one dentry per
// network namespace on the host, an O(pods) cost on every attach. Kernels without IPv6 have
// nothing to turn off.
func noLinkLocal(h *netlink.Handle, link netlink.Link) error {
	err := h.LinkSetIP6AddrGenMode(link, nl.IN6_ADDR_GEN_MODE_NONE)
	if err != nil && !errors.Is(err, unix.EAFNOSUPPORT) && !errors.Is(err, unix.EOPNOTSUPP) {
		return fmt.Errorf("turn off IPv6 link-local on %q: %w", link.Attrs().Name, err)
	}
	return nil
}

// configurePodIf sets up eth0 by h, a netlink handle in the pod's network namespace: up, with
// the addresses and a default route via each one's gateway. IPv6 ones are added without
// duplicate address detection (podd's IPAM owns the subnet), so they are usable at once, as the
// link has no link-local address.
func configurePodIf(h *netlink.Handle, addrs []podAddr) error {
	link, err := h.LinkByName(podIfName)
	if err != nil {
		return fmt.Errorf("find %q: %w", podIfName, err)
	}
	if err := noLinkLocal(h, link); err != nil {
		return err
	}
	if err := h.LinkSetUp(link); err != nil {
		return fmt.Errorf("set %q up: %w", podIfName, err)
	}
	for _, a := range addrs {
		addr := &netlink.Addr{IPNet: &net.IPNet{IP: a.ip, Mask: a.gw.Mask}}
		if a.ip.To4() == nil {
			addr.Flags = unix.IFA_F_NODAD
		}
		if err := h.AddrAdd(link, addr); err != nil {
			return fmt.Errorf("add address %s to %q: %w", addr.IPNet, podIfName, err)
		}
		route := &netlink.Route{LinkIndex: link.Attrs().Index, Gw: a.gw.IP}
		if err := h.RouteAdd(route); err != nil {
			return fmt.Errorf("add default route via %s on %q: %w", a.gw.IP, podIfName, err)
		}
	}
	return nil
}

// Release unmaps owner's hostPorts (the last pod's release deletes podd's nftables table),
// deletes the host end of owner's veth pair if it is still there after vethGrace, then frees
// owner's addresses. Call it after PodNS.Remove: destroying the pod's network namespace
// takes the veth pair with it, more cheaply than deleting it.
func (n *Network) Release(owner string) error {
	name, err := vethName(owner)
	if err != nil {
		return err
	}
	var errs []error
	if err := n.releaseNAT(owner); err != nil {
		errs = append(errs, err)
	}
	if err := awaitLinkGone(name, vethGrace); err != nil {
		errs = append(errs, fmt.Errorf("delete veth %q: %w", name, err))
	}
	if err := n.releaseAddrs(owner); err != nil {
		errs = append(errs, fmt.Errorf("release addresses of %q: %w", owner, err))
	}
	return errors.Join(errs...)
}

// awaitLinkGone waits up to grace for the named link to disappear, then deletes it. It looks
// every millisecond, so each look is the ioctl if_nametoindex(3) makes on one socket: a netlink
// LinkByName (a new socket and a parsed link message each time) cost ~55 us, and under churn the
// kernel's namespace cleanup takes tens of looks (BenchmarkLinkLookup).
func awaitLinkGone(name string, grace time.Duration) error {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket for link lookups: %w", err)
	}
	defer unix.Close(fd)
	deadline := time.Now().Add(grace)
	for {
		exists, err := linkExists(fd, name)
		if err != nil {
			return err
		}
		if !exists {
			return nil
		}
		if time.Now().After(deadline) {
			return deleteLink(name)
		}
		time.Sleep(time.Millisecond)
	}
}

// linkExists reports whether the current network namespace has a link named name, with
// SIOCGIFINDEX on fd (any socket of that namespace).
func linkExists(fd int, name string) (bool, error) {
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return false, fmt.Errorf("link %q: %w", name, err)
	}
	err = unix.IoctlIfreq(fd, unix.SIOCGIFINDEX, ifr)
	if errors.Is(err, unix.ENODEV) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up link %q: %w", name, err)
	}
	return true, nil
}
