package netsetup

import (
	"fmt"
	"os"

	"github.com/podd/podd/internal/nsthread"
	"golang.org/x/sys/unix"
)

// CreateHostNetPodNS pins the namespaces of a hostNetwork pod under dir: a new IPC namespace,
// and podd's own network and UTS namespaces (the node's: no veth, no address, the node's
// hostname), as containerd's sandbox for such a pod. The pins of podd's namespaces only hold a
// reference; removing them changes nothing on the node.
func CreateHostNetPodNS(dir string) (*PodNS, error) {
	p, err := podNSOf(dir, true)
	if err != nil {
		return nil, err
	}
	created, err := p.makeDir()
	if err != nil {
		return nil, err
	}
	err = nsthread.Run(func() error {
		if err := unix.Unshare(unix.CLONE_NEWIPC); err != nil {
			return fmt.Errorf("unshare ipc: %w", err)
		}
		if err := enterPins(p.mnt); err != nil {
			return err
		}
		return p.pinThread()
	})
	if err != nil {
		if created {
			os.Remove(p.Dir)
		}
		return nil, fmt.Errorf("create pod namespaces (host network) %q: %w", dir, err)
	}
	return p, nil
}

// CreateHostNet makes the namespaces of a hostNetwork pod (CreateHostNetPodNS).
func (HostNamespaces) CreateHostNet(dir string) (*PodNS, error) { return CreateHostNetPodNS(dir) }
