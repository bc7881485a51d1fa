package host

import (
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// TestFirstConnectToNewPod: the node's first TCP connection to a pod just reported Running gets
// an answer (accepted, or refused if its server is not listening yet) at once, not after a SYN
// or ARP request the bridge dropped and the kernel's 1 s retry. Each pod is the bridge's only
// one (the one before is deleted), so the bridge's carrier comes on with it: the case the kernel's
// link watcher held back.
func TestFirstConnectToNewPod(t *testing.T) {
	d := StartPodd(t)
	for i := range 4 {
		if i > 0 { // the kernel has taken the bridge's carrier down: its qdisc drops what is sent
			eventually(t, 10*time.Second, "podd0 down after the delete", func() error { return d.bridgeOperState(netlink.OperDown) })
		}
		name := fmt.Sprintf("first-%d", i)
		d.Apply(hostPortPod(name))
		p := d.WaitPod(name, 30*time.Second, "running", podRunning)
		if err := d.bridgeOperState(netlink.OperUp); err != nil {
			t.Errorf("pod %s running: %v", name, err)
		}
		addr := net.JoinHostPort(p.Status.PodIP, "8080")
		var took time.Duration
		err := inNetNS(d.HolderPID(), func() error {
			start := time.Now()
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			took = time.Since(start)
			if err == nil {
				c.Close()
			}
			return err
		})
		if err != nil && !errors.Is(err, unix.ECONNREFUSED) {
			t.Errorf("pod %s: first connection to %s: %v", name, addr, err)
		}
		// A dropped SYN is retried after 1 s (TCP's initial RTO): 900 ms tells that from a slow,
		// loaded machine, whose handshake (the kernel's alone) takes microseconds to milliseconds.
		if took > 900*time.Millisecond {
			t.Errorf("pod %s: first connection to %s answered after %v, want < 900ms (a dropped first packet is retried after 1 s)", name, addr, took)
		}
		d.MustCtl("delete", "pod", name)
	}
}

// bridgeOperState checks podd0's operstate as the kernel's link watcher left it (a dump: asking
// for the one link would make the kernel apply its pending event first).
func (d *Podd) bridgeOperState(want netlink.LinkOperState) error {
	var got netlink.LinkOperState
	err := inNetNS(d.HolderPID(), func() error {
		links, err := netlink.LinkList()
		for _, l := range links {
			if l.Attrs().Name == "podd0" {
				got = l.Attrs().OperState
			}
		}
		return err
	})
	if err == nil && got != want {
		err = fmt.Errorf("bridge podd0 operstate %v, want %v", got, want)
	}
	return err
}
