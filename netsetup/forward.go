package netsetup

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/vishvananda/netlink"
)

// routeSysctls set, on the bridge, what pods' traffic needs from the node's IPv4 routing, each
// per interface (never net.ipv4.ip_forward or conf.all): forwarding, and route_localnet so a
// connection to 127.0.0.1:HOSTPORT may leave through the bridge once DNATed to a pod (as CNI's
// portmap does); on each uplink, forwarding, since the kernel checks it on the interface a
// packet comes in by and the replies to pods' egress come in there. It returns what it changed.
func routeSysctls(bridge string, uplinks []string) ([]string, error) {
	type setting struct{ ifname, key string }
	want := []setting{{bridge, "forwarding"}, {bridge, "route_localnet"}}
	for _, u := range uplinks {
		want = append(want, setting{u, "forwarding"})
	}
	var changed []string
	var errs []error
	for _, s := range want {
		path := "/proc/sys/net/ipv4/conf/" + s.ifname + "/" + s.key
		did, err := setSysctl(path, "1")
		if err != nil {
			errs = append(errs, err)
		}
		if did {
			changed = append(changed, fmt.Sprintf("net.ipv4.conf.%s.%s=1 (was 0)", s.ifname, s.key))
		}
	}
	return changed, errors.Join(errs...)
}

// setSysctl writes value to path unless it holds it already; a missing file (a kernel without
// the per-interface knob, an interface gone) is reported, never replaced by a global one.
func setSysctl(path, value string) (bool, error) {
	old, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("%s: not offered by this kernel per interface; podd leaves the global setting alone", path)
	}
	if err != nil {
		return false, err
	}
	if string(bytes.TrimSpace(old)) == value {
		return false, nil
	}
	if err := os.WriteFile(path, []byte(value), 0); err != nil {
		return false, fmt.Errorf("set %s: %w", path, err)
	}
	return true, nil
}

// defaultUplinks are the interfaces of the default routes of family (netlink.FAMILY_V4 or
// FAMILY_V6), except the bridge.
func defaultUplinks(bridge string, family int) []string {
	routes, err := netlink.RouteListFiltered(family, &netlink.Route{Dst: nil}, 0)
	if err != nil {
		return nil
	}
	var out []string
	for _, r := range routes {
		if r.Dst != nil && !r.Dst.IP.IsUnspecified() {
			continue
		}
		l, err := netlink.LinkByIndex(r.LinkIndex)
		if err != nil || l.Attrs().Name == bridge || slices.Contains(out, l.Attrs().Name) {
			continue
		}
		out = append(out, l.Attrs().Name)
	}
	return out
}

// egressSysctls sets routeSysctls for the network (its Uplinks, else the default routes'
// interfaces) and says what changed. NAT calls it with its lock held, when it makes the table.
func (n *Network) egressSysctls() {
	if n.Subnet6 != nil {
		n.egressSysctls6()
	}
	if n.Subnet == nil {
		return // IPv6-only: nothing of IPv4 to forward
	}
	uplinks := n.Uplinks
	if len(uplinks) == 0 {
		uplinks = defaultUplinks(n.Bridge, netlink.FAMILY_V4)
	}
	changed, err := routeSysctls(n.Bridge, uplinks)
	if len(changed) > 0 {
		n.logf("pod egress and hostPorts: set %s", strings.Join(changed, ", "))
	}
	if err != nil {
		n.logf("pod egress and hostPorts: %v", err)
	}
	if len(uplinks) == 0 && !n.saidNoUplink {
		n.saidNoUplink = true
		n.logf("pod egress: no IPv4 default route and no --uplink: forwarding enabled on %s only", n.Bridge)
	}
}
