package netsetup

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// CreateHostNetPodNS pins the namespaces of a hostNetwork pod under dir: a new IPC namespace,
// and podd's own network and UTS namespaces (the node's: no veth, no address, the node's
// hostname), as containerd's sandbox for such a pod. The pins of podd's namespaces only hold a
// reference; removing them changes nothing on the node.
func CreateHostNetPodNS(dir string) (*PodNS, error) {
	return createPodNS(dir, " (host network)", func() error {
		if err := unix.Unshare(unix.CLONE_NEWIPC); err != nil {
			return fmt.Errorf("unshare ipc: %w", err)
		}
		return nil
	})
}

// CreateHostNet makes the namespaces of a hostNetwork pod (CreateHostNetPodNS).
func (HostNamespaces) CreateHostNet(dir string) (*PodNS, error) { return CreateHostNetPodNS(dir) }
