package netsetup

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ErrSubnetExhausted is returned (wrapped) by Attach when every address of the subnet is taken.
var ErrSubnetExhausted = errors.New("no free address")

// hostRange is the IPv4 subnet's gateway (first address) and its last usable address (the one
// before broadcast), as integers.
func (n *Network) hostRange() (gw, last uint32, err error) {
	if n.Subnet == nil {
		return 0, 0, errors.New("network has no subnet")
	}
	ip4 := n.Subnet.IP.To4()
	ones, bits := n.Subnet.Mask.Size()
	if ip4 == nil || bits != 32 {
		return 0, 0, fmt.Errorf("subnet %s: only IPv4 is supported", n.Subnet)
	}
	if ones > 30 {
		return 0, 0, fmt.Errorf("subnet %s: too small for a gateway and a pod (max /30)", n.Subnet)
	}
	network := binary.BigEndian.Uint32(ip4) &^ (1<<(32-ones) - 1)
	return network + 1, network | (1<<(32-ones) - 1) - 1, nil
}

// gateway is the subnet's first address with the subnet's prefix length, as put on the bridge.
func (n *Network) gateway() (*net.IPNet, error) {
	gw, _, err := n.hostRange()
	if err != nil {
		return nil, err
	}
	return &net.IPNet{IP: uint32ToIP(gw), Mask: n.Subnet.Mask}, nil
}

func uint32ToIP(a uint32) net.IP {
	return net.IPv4(byte(a>>24), byte(a>>16), byte(a>>8), byte(a)).To4()
}

// allocate reserves the lowest free IPv4 address after the gateway for owner: the file
// IPAMDir/<ip>, created with O_EXCL, holds the owner id.
func (n *Network) allocate(owner string) (net.IP, error) {
	gw, last, err := n.hostRange()
	if err != nil {
		return nil, fmt.Errorf("allocate address for %q: %w", owner, err)
	}
	return n.allocateIn(owner, n.Subnet, uint32ToIP(gw+1), uint32ToIP(last))
}

// allocateIn reserves the lowest free address of first..last (of subnet, for messages) for owner.
func (n *Network) allocateIn(owner string, subnet *net.IPNet, first, last net.IP) (net.IP, error) {
	if owner == "" || strings.ContainsAny(owner, "\n/") {
		return nil, fmt.Errorf("allocate address: invalid owner %q", owner)
	}
	if err := os.MkdirAll(n.IPAMDir, 0o700); err != nil {
		return nil, fmt.Errorf("allocate address for %q: %w", owner, err)
	}
	used, err := n.leases.used(n.IPAMDir)
	if err != nil {
		return nil, err
	}
	for ip := first; bytes.Compare(ip, last) <= 0; ip = nextIP(ip) {
		if used[ip.String()] {
			continue
		}
		err := n.reserve(ip, owner)
		if errors.Is(err, fs.ErrExist) { // a file the index did not know: O_EXCL decides
			continue
		}
		if err != nil {
			return nil, err
		}
		return ip, nil
	}
	return nil, fmt.Errorf("allocate address for %q in %s: %w", owner, subnet, ErrSubnetExhausted)
}

// nextIP is ip plus one (same length; the last address wraps to the first).
func nextIP(ip net.IP) net.IP {
	out := slices.Clone(ip)
	for i := len(out) - 1; i >= 0; i-- {
		out[i]++
		if out[i] != 0 {
			break
		}
	}
	return out
}

func (n *Network) reserve(ip net.IP, owner string) error {
	path := filepath.Join(n.IPAMDir, ip.String())
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("reserve %s: %w", ip, err)
	}
	_, err = f.WriteString(owner)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("reserve %s: %w", ip, err)
	}
	n.leases.add(owner, ip.String())
	return nil
}

// free removes ip's file if owner holds it.
func (n *Network) free(ip net.IP, owner string) error {
	path := filepath.Join(n.IPAMDir, ip.String())
	if holder, err := os.ReadFile(path); err != nil || string(holder) != owner {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("free %s: %w", ip, err)
	}
	n.leases.remove(owner, ip.String())
	return nil
}

// Lease is an address file of IPAMDir: the address and the owner (pod uid) it is held for.
type Lease struct{ IP, Owner string }

// Leases lists the address files of IPAMDir in name order (unreadable ones left out): podd's
// start releases those of pods it does not know.
func (n *Network) Leases() []Lease {
	entries, _ := os.ReadDir(n.IPAMDir)
	var out []Lease
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if owner, err := os.ReadFile(filepath.Join(n.IPAMDir, e.Name())); err == nil {
			out = append(out, Lease{IP: e.Name(), Owner: string(owner)})
		}
	}
	return out
}

// owned lists the addresses of the subnets held by owner, IPv4 first, each family's lowest first: those the lease index
// names for owner whose file still says so.
func (n *Network) owned(owner string) ([]net.IP, error) {
	names, err := n.leases.candidates(n.IPAMDir, owner)
	if err != nil {
		return nil, err
	}
	var ips []net.IP
	for _, name := range names {
		ip := net.ParseIP(name)
		if ip == nil || !n.inSubnets(ip) {
			continue
		}
		if ip4 := ip.To4(); ip4 != nil {
			ip = ip4
		}
		holder, err := os.ReadFile(filepath.Join(n.IPAMDir, name))
		if err == nil && string(holder) == owner {
			ips = append(ips, ip)
		} else if errors.Is(err, fs.ErrNotExist) {
			n.leases.remove(owner, name)
		}
	}
	slices.SortFunc(ips, func(a, b net.IP) int { // IPv4 first, then each family's lowest
		return cmp.Or(cmp.Compare(len(a), len(b)), bytes.Compare(a, b))
	})
	return ips, nil
}

// releaseAddrs frees every address owner holds.
func (n *Network) releaseAddrs(owner string) error {
	ips, err := n.owned(owner)
	if err != nil {
		return err
	}
	var errs []error
	for _, ip := range ips {
		errs = append(errs, n.free(ip, owner))
	}
	return errors.Join(errs...)
}

// Lookup returns the address allocated to owner (for a restarted podd).
func (n *Network) Lookup(owner string) (net.IP, bool) {
	ips, err := n.owned(owner)
	if err != nil || len(ips) == 0 {
		return nil, false
	}
	return ips[0], true
}
