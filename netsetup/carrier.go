package netsetup

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// settleCarrier has the kernel apply the carrier change of a pod's new veth now, not when its
// link watcher gets to it. The veth's carrier comes on when the pod's end goes up; until the
// link watcher handles that, the bridge port stays disabled, and if it is the bridge's only
// live port the bridge has no carrier either: what the node sends through the bridge goes to
// its noop qdisc and is dropped (an ARP request, a SYN: the first connection waits the second
// of a retry). The veth's event is urgent, but the bridge's own carrier-on is not, and the
// kernel holds those back until a second after its last full run (a bridge just made, a pod
// just deleted). Asking a link for its link state (ethtool's ETHTOOL_GLINK, which both veth and
// bridge answer with ethtool_op_get_link) applies its pending event at once
// (linkwatch_sync_dev): the veth's, which turns the port on and the bridge's carrier with it,
// then the bridge's. An RTM_GETLINK does the same, but builds and parses the whole link
// message: two of them took 0.11 ms of CPU, the two ioctls 0.011-0.013 ms (load 19).
func settleCarrier(veth, bridge string) error {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket for link state: %w", err)
	}
	defer unix.Close(fd)
	for _, name := range []string{veth, bridge} {
		if err := getLinkState(fd, name); err != nil {
			return err
		}
	}
	return nil
}

// getLinkState asks the named link of fd's network namespace for its link state (SIOCETHTOOL
// ETHTOOL_GLINK), for what asking does (settleCarrier).
func getLinkState(fd int, name string) error {
	value := struct{ cmd, data uint32 }{cmd: unix.ETHTOOL_GLINK}
	var ifr struct {
		name [unix.IFNAMSIZ]byte
		data unsafe.Pointer
		_    [24 - unsafe.Sizeof(uintptr(0))]byte // the rest of struct ifreq's union
	}
	if len(name) >= unix.IFNAMSIZ {
		return fmt.Errorf("link state of %q: name too long", name)
	}
	copy(ifr.name[:], name)
	ifr.data = unsafe.Pointer(&value)
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCETHTOOL, uintptr(unsafe.Pointer(&ifr)))
	runtime.KeepAlive(&value)
	if errno != 0 {
		return fmt.Errorf("link state of %q: %w", name, errno)
	}
	return nil
}
