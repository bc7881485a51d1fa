package netsetup

import (
	"fmt"

	"github.com/vishvananda/netlink"
)

// settleCarrier has the kernel apply the carrier change of a pod's new veth now, not when its
// link watcher gets to it. The veth's carrier comes on when the pod's end goes up; until the
// link watcher handles that, the bridge port stays disabled, and if it is the bridge's only
// live port the bridge has no carrier either: what the node sends through the bridge goes to
// its noop qdisc and is dropped (an ARP request, a SYN: the first connection waits the second
// of a retry). The veth's event is urgent, but the bridge's own carrier-on is not, and the
// kernel holds those back until a second after its last full run (a bridge just made, a pod
// just deleted). Asking for a link (RTM_GETLINK) applies its pending event at once
// (rtnl_getlink calls linkwatch_sync_dev): the veth's, which turns the port on and the bridge's
// carrier with it, then the bridge's.
func settleCarrier(h *netlink.Handle, veth string, bridge int) error {
	if _, err := h.LinkByName(veth); err != nil {
		return fmt.Errorf("veth %q: %w", veth, err)
	}
	if _, err := h.LinkByIndex(bridge); err != nil {
		return fmt.Errorf("bridge (index %d): %w", bridge, err)
	}
	return nil
}
