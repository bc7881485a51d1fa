package netsetup

import "net"

// Namespaces is the namespace work of a pod sandbox as a pod runtime asks for it, an interface
// so that the runtime's unit tests can use a fake instead of needing root: pin new namespaces,
// reopen or adopt pins after a restart, run code inside them, unpin. HostNamespaces is the real
// one.
type Namespaces interface {
	Create(dir, hostname string) (*PodNS, error)
	Open(dir string) (*PodNS, error)
	Adopt(dir string, pid int) (*PodNS, error)
	Do(ns *PodNS, fn func() error) error
	Remove(dir string) error
}

// Addresses is a sandbox's network attachment: an address (one per family on a dual-stack
// network, in status order) and a veth to the bridge for owner (the pod uid), released on
// teardown. *Network is the real one.
type Addresses interface {
	Attach(ns *PodNS, owner string) ([]net.IP, error)
	Release(owner string) error
	Leases() []Lease
}

var (
	_ Namespaces = HostNamespaces{}
	_ Addresses  = (*Network)(nil)
)

// HostNamespaces pins namespaces with bind mounts on this machine (the functions of this
// package).
type HostNamespaces struct{}

func (HostNamespaces) Create(dir, hostname string) (*PodNS, error) { return CreatePodNS(dir, hostname) }
func (HostNamespaces) Open(dir string) (*PodNS, error)             { return OpenPodNS(dir) }
func (HostNamespaces) Adopt(dir string, pid int) (*PodNS, error)   { return AdoptPodNS(dir, pid) }
func (HostNamespaces) Do(ns *PodNS, fn func() error) error         { return ns.Do(fn) }
func (HostNamespaces) Remove(dir string) error                     { return (&PodNS{Dir: dir}).Remove() }
