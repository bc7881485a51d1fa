package netsetup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/vishvananda/netlink"
)

// routeSysctls6 sets, per interface, what a dual-stack network's IPv6 needs: forwarding on the
// bridge (it acts as the pods' router), and force_forwarding (Linux 6.17+) on the bridge and
// each uplink, so the kernel forwards IPv6 coming in by them whatever
// net.ipv6.conf.all.forwarding says. It returns what it changed, and a note when this kernel
// forwards IPv6 only with the global switch, which podd leaves alone.
func routeSysctls6(bridge string, uplinks []string) (changed []string, note string, err error) {
	const dir = "/proc/sys/net/ipv6/conf/"
	set := func(ifname, key string) {
		did, e := setSysctl(dir+ifname+"/"+key, "1")
		err = errors.Join(err, e)
		if did {
			changed = append(changed, fmt.Sprintf("net.ipv6.conf.%s.%s=1 (was 0)", ifname, key))
		}
	}
	set(bridge, "forwarding")
	if _, e := os.Stat(dir + bridge + "/force_forwarding"); errors.Is(e, fs.ErrNotExist) {
		if all, _ := os.ReadFile(dir + "all/forwarding"); strings.TrimSpace(string(all)) != "1" {
			note = "this kernel has no per-interface IPv6 force_forwarding and net.ipv6.conf.all.forwarding is 0 " +
				"(podd leaves it alone): pods' IPv6 egress and hostPorts reached from other hosts are not forwarded"
		}
		return changed, note, err
	}
	for _, ifname := range append([]string{bridge}, uplinks...) {
		set(ifname, "force_forwarding")
	}
	return changed, note, err
}

// egressSysctls6 sets routeSysctls6 for the network (its Uplinks, else the IPv6 default routes'
// interfaces) and says what changed.
func (n *Network) egressSysctls6() {
	uplinks := n.Uplinks
	if len(uplinks) == 0 {
		uplinks = defaultUplinks(n.Bridge, netlink.FAMILY_V6)
	}
	changed, note, err := routeSysctls6(n.Bridge, uplinks)
	if len(changed) > 0 {
		n.logf("pod IPv6 egress and hostPorts: set %s", strings.Join(changed, ", "))
	}
	if note != "" {
		n.logf("pod IPv6 egress and hostPorts: %s", note)
	}
	if err != nil {
		n.logf("pod IPv6 egress and hostPorts: %v", err)
	}
}
