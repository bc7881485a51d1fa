package netsetup

import (
	"fmt"
	"os"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// podLink is what Attach needs of a pod's network namespace: the open namespace (for the veth
// peer) and a netlink handle whose socket lives in it (a socket stays in the namespace it was
// made in), so the pod's end is configured from the caller's thread.
type podLink struct {
	ns *os.File
	h  *netlink.Handle
}

// openPodLink opens the pod's network namespace and a netlink socket inside it on one throwaway
// thread. Attach used to open the pin on one thread and then join all three pod namespaces on
// two more to configure eth0 (PodNS.Do): ~1.3 ms of thread and namespace work per attach.
func openPodLink(p *PodNS) (*podLink, error) {
	var l podLink
	err := p.inPins(func() error {
		f, err := os.Open(p.path(pins[0].name))
		if err != nil {
			return fmt.Errorf("open pod network namespace: %w", err)
		}
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			f.Close()
			return fmt.Errorf("join pod network namespace %q: %w", f.Name(), err)
		}
		h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
		if err != nil {
			f.Close()
			return fmt.Errorf("netlink socket in pod network namespace %q: %w", f.Name(), err)
		}
		l.ns, l.h = f, h
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &l, nil
}

func (l *podLink) close() {
	l.h.Close()
	l.ns.Close()
}

// hostLink returns the network's netlink handle in podd's network namespace and a socket for
// requests netlink's API cannot make (addVeth), both kept for every request instead of a
// socket per request, and the bridge's index, looked up once and again after forgetBridge.
func (n *Network) hostLink() (*netlink.Handle, *nl.SocketHandle, int, error) {
	n.nlMu.Lock()
	defer n.nlMu.Unlock()
	if n.nl == nil {
		h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("netlink socket: %w", err)
		}
		s, err := nl.GetNetlinkSocketAt(netns.None(), netns.None(), unix.NETLINK_ROUTE)
		if err != nil {
			h.Close()
			return nil, nil, 0, fmt.Errorf("netlink socket: %w", err)
		}
		n.nl, n.nlSock = h, &nl.SocketHandle{Socket: s}
	}
	if n.bridgeIndex == 0 {
		br, err := n.nl.LinkByName(n.Bridge)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("find bridge %q: %w", n.Bridge, err)
		}
		n.bridgeIndex = br.Attrs().Index
	}
	return n.nl, n.nlSock, n.bridgeIndex, nil
}

// forgetBridge drops the cached bridge index (the bridge may have been made again).
func (n *Network) forgetBridge() {
	n.nlMu.Lock()
	n.bridgeIndex = 0
	n.nlMu.Unlock()
}
