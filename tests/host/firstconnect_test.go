package host

import (
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

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
		name := fmt.Sprintf("first-%d", i)
		d.Apply(hostPortPod(name))
		p := d.WaitPod(name, 30*time.Second, "running", podRunning)
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
		if took > 500*time.Millisecond {
			t.Errorf("pod %s: first connection to %s answered after %v, want < 500ms (a dropped first packet is retried after 1 s)", name, addr, took)
		}
		d.MustCtl("delete", "pod", name)
	}
}
