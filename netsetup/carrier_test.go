package netsetup

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
)

// TestFirstConnectAfterAttach: the node's first connection to a pod that is the bridge's only
// one gets through at once, not after a dropped SYN or ARP request and its 1 s retry. Each pod
// comes after the one before is gone and the kernel has taken the bridge's carrier down (its
// qdisc then drops what is sent), so the bridge's carrier-on is the event the kernel's link
// watcher may hold back up to a second; the bridge must be up when Attach returns.
func TestFirstConnectAfterAttach(t *testing.T) {
	requireNS(t)
	n := newNetwork(t)
	for i := range 3 {
		if i > 0 {
			waitOperState(t, n.Bridge, netlink.OperDown)
		}
		owner := fmt.Sprintf("f1c0000%d-0000-4000-8000-000000000000", i)
		pod := newPodNS(t, "first")
		ips, err := n.Attach(pod, owner)
		if err != nil {
			t.Fatal(err)
		}
		if op := dumpedOperState(t, n.Bridge); op != netlink.OperUp {
			t.Errorf("attach %d: bridge %s operstate %v, want up", i, n.Bridge, op)
		}
		addr := serveRemoteAddr(t, pod, "tcp", net.JoinHostPort(ips[0].String(), "80"))
		start := time.Now()
		_, err = ask("tcp", addr)
		if took := time.Since(start); err != nil || took > 500*time.Millisecond {
			t.Errorf("attach %d: first connection to %s took %v (%v), want < 500ms", i, addr, took, err)
		}
		pod.Remove()
		if err := n.Release(owner); err != nil {
			t.Fatal(err)
		}
	}
}

// waitOperState polls (a dump: dumpedOperState) until the named link's operstate is want.
func waitOperState(t *testing.T, name string, want netlink.LinkOperState) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for dumpedOperState(t, name) != want {
		if time.Now().After(deadline) {
			t.Fatalf("link %s: operstate %v after 10s, want %v", name, dumpedOperState(t, name), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// dumpedOperState is the operstate of the named link as the link watcher left it: from a dump
// of all links, since asking for one link makes the kernel apply its pending event first.
func dumpedOperState(t *testing.T, name string) netlink.LinkOperState {
	t.Helper()
	links, err := netlink.LinkList()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range links {
		if l.Attrs().Name == name {
			return l.Attrs().OperState
		}
	}
	t.Fatalf("no link %s", name)
	return 0
}
