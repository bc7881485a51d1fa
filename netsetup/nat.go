package netsetup

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/google/nftables"
	"golang.org/x/sys/unix"
)

// NAT keeps podd's nftables table (inet podd, natrules.go) over netlink: egress masquerade for
// the pod subnet and the hostPort maps. The table exists while a pod is attached: the first one
// creates it (replacing whatever an earlier podd left, so it matches podd's records: recovery
// publishes every recovered pod again); tableLinger after the last one's release, or at once
// on Settle, it is deleted.
type NAT struct {
	Subnet  *net.IPNet
	Subnet6 *net.IPNet // a dual-stack network's IPv6 subnet (NAT66, IPv6 hostPorts); nil: none
	// Logf reports what NAT changed on the node (the table, sysctls); nil: nothing is said.
	Logf func(format string, args ...any)
	// OnTable runs when NAT creates its table (the first pod): the sysctls pods need.
	OnTable func()

	mu      sync.Mutex
	conn    *nftables.Conn
	up      bool                   // this process made the table
	holders map[string]*portHolder // owner (pod uid) -> its hostPorts
	taken   portIndex              // the holders' ports by protocol and port
	idle    *time.Timer            // deletes the table tableLinger after the last release
}

// tableLinger is how long the table outlives the last pod: a pod applied meanwhile (delete and
// apply again, churn) reuses it. Making it registers the NAT hooks, which on a host with no
// other NAT rules patches the kernel's text on every CPU: ~4 ms of a 2-CPU machine under load.
const tableLinger = time.Second

// Reserve takes ports for owner (the pod holder, namespace/name, for errors), or returns a
// *PortConflict naming the pod that holds one of them. It makes nothing on the node. Reserving
// again for the same owner replaces its ports.
func (n *NAT) Reserve(owner, holder string, ports []HostPort) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.holders == nil {
		n.holders, n.taken = map[string]*portHolder{}, portIndex{}
	}
	old := n.holders[owner]
	if old != nil {
		n.taken.remove(owner, old.ports)
	}
	if c := n.taken.conflict(holder, ports); c != nil {
		if old != nil {
			n.taken.add(owner, old.name, old.ports)
		}
		return c
	}
	n.holders[owner] = &portHolder{name: holder, ports: ports}
	n.taken.add(owner, holder, ports)
	return nil
}

// Publish makes the table if it is missing and maps owner's reserved hostPorts to its
// addresses, ips (one per family).
func (n *NAT) Publish(owner string, ips []net.IP) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	h := n.holders[owner]
	if h == nil {
		return fmt.Errorf("publish %s: no reservation", owner)
	}
	n.stopIdleLocked()
	if err := n.ensureLocked(); err != nil {
		return err
	}
	if err := checkFamilies(h.ports, ips); err != nil {
		return fmt.Errorf("publish hostPorts of %s: %w", owner, err)
	}
	err := n.elementsLocked(h.ports, ips, true)
	if errors.Is(err, unix.ENOENT) { // the table went behind podd's back (nft flush ruleset)
		err = n.rebuildLocked()
		if err == nil {
			err = n.elementsLocked(h.ports, ips, true)
		}
	}
	if err != nil {
		return fmt.Errorf("publish hostPorts of %s: %w", owner, err)
	}
	h.ips = ips
	return nil
}

// rebuildLocked makes the table again with every published pod's hostPorts.
func (n *NAT) rebuildLocked() error {
	n.logf("nftables table inet %s is gone: making it again", tableName)
	n.up = false
	if err := n.ensureLocked(); err != nil {
		return err
	}
	for _, h := range n.holders {
		if h.ips == nil {
			continue
		}
		if err := n.elementsLocked(h.ports, h.ips, true); err != nil {
			return err
		}
	}
	return nil
}

// Release unmaps owner's hostPorts and frees them; with no pod left the table goes after
// tableLinger. An owner it does not know is fine, so a restarted podd can release again.
func (n *NAT) Release(owner string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	h := n.holders[owner]
	delete(n.holders, owner)
	if h != nil {
		n.taken.remove(owner, h.ports)
	}
	var err error
	if h != nil && h.ips != nil && n.up {
		if err = n.elementsLocked(h.ports, h.ips, false); err != nil {
			err = fmt.Errorf("unpublish hostPorts of %s: %w", owner, err)
		}
	}
	switch {
	case len(n.holders) > 0:
	case !n.up: // an earlier podd's table, if any
		err = errors.Join(err, n.removeLocked())
	case n.idle == nil:
		n.idle = time.AfterFunc(tableLinger, n.removeIdle)
	}
	return err
}

// removeIdle deletes the table unless a pod came meanwhile.
func (n *NAT) removeIdle() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.idle == nil || len(n.holders) > 0 {
		return
	}
	n.idle = nil
	if err := n.removeLocked(); err != nil {
		n.logf("%v", err)
	}
}

// Settle deletes the table now if no pod holds it (podd leaving: no linger outlives it).
func (n *NAT) Settle() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.stopIdleLocked()
	if len(n.holders) > 0 || !n.up {
		return nil
	}
	return n.removeLocked()
}

func (n *NAT) stopIdleLocked() {
	if n.idle != nil {
		n.idle.Stop()
		n.idle = nil
	}
}

// Remove deletes podd's table if it exists (podd --cleanup, or no pod left at start).
func (n *NAT) Remove() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.removeLocked()
}

func (n *NAT) removeLocked() error {
	_, err := n.removeTableLocked()
	return err
}

// removeTableLocked deletes the table and reports whether there was one.
func (n *NAT) removeTableLocked() (bool, error) {
	c, err := n.connLocked()
	if err != nil {
		return false, err
	}
	c.DelTable(natTable())
	err = c.Flush()
	wasUp := n.up
	n.up = false
	if errors.Is(err, unix.ENOENT) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("delete nftables table inet %s: %w", tableName, err)
	}
	if !wasUp {
		n.logf("removed nftables table inet %s left by an earlier podd", tableName)
	}
	return true, nil
}

// ensureLocked builds the table in one transaction, replacing any table of that name: what an
// earlier podd left is dropped, recovered pods publish their ports again.
func (n *NAT) ensureLocked() error {
	if n.up {
		return nil
	}
	c, err := n.connLocked()
	if err != nil {
		return err
	}
	if err := addTable(c, n.Subnet, n.Subnet6); err != nil {
		return err
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("create nftables table inet %s: %w", tableName, err)
	}
	n.up = true
	var subnets []string
	for _, s := range []*net.IPNet{n.Subnet, n.Subnet6} {
		if s != nil {
			subnets = append(subnets, s.String())
		}
	}
	n.logf("nftables table inet %s: masquerade for %s leaving it, hostPort DNAT", tableName, strings.Join(subnets, " and "))
	if n.OnTable != nil {
		n.OnTable()
	}
	return nil
}

// addTable queues the table's (re)creation on c: add (so the delete finds it), delete, add
// with its maps, chains and rules; subnet (nil: an IPv6-only network) the IPv4 ones, subnet6
// (nil: none) the IPv6 ones.
func addTable(c *nftables.Conn, subnet, subnet6 *net.IPNet) error {
	t := natTable()
	c.AddTable(t)
	c.DelTable(t)
	c.AddTable(t)
	byIP, anyIP := natSets(t)
	var sets []*nftables.Set
	if subnet != nil {
		sets = append(sets, byIP, anyIP)
	}
	byIP6, anyIP6 := natSets6(t)
	if subnet6 != nil {
		sets = append(sets, byIP6, anyIP6)
	}
	for _, s := range sets {
		if err := c.AddSet(s, nil); err != nil {
			return fmt.Errorf("nftables map %s: %w", s.Name, err)
		}
	}
	chains, err := natChains(t, subnet, byIP, anyIP)
	if err != nil {
		return err
	}
	if subnet6 != nil {
		rules6 := natRules6(subnet6, byIP6, anyIP6)
		for i, ch := range chains {
			chains[i].rules = append(ch.rules, rules6[ch.chain.Name]...)
		}
	}
	for _, ch := range chains {
		c.AddChain(ch.chain)
		for _, r := range ch.rules {
			c.AddRule(&nftables.Rule{Table: t, Chain: ch.chain, Exprs: r})
		}
	}
	return nil
}

// elementsLocked adds (or deletes) the map elements of ports to ips (one per family), in one
// transaction.
func (n *NAT) elementsLocked(ports []HostPort, ips []net.IP, add bool) error {
	if len(ports) == 0 {
		return nil
	}
	c, err := n.connLocked()
	if err != nil {
		return err
	}
	byIP, anyIP := natSets(natTable())
	byIP6, anyIP6 := natSets6(natTable())
	sets := map[string]*nftables.Set{byIP.Name: byIP, anyIP.Name: anyIP, byIP6.Name: byIP6, anyIP6.Name: anyIP6}
	op := c.SetAddElements
	if !add {
		op = c.SetDeleteElements
	}
	for _, hp := range ports {
		for _, ip := range ips {
			name, el, ok := portElements(hp, ip)
			// a pod of a podd with another network before a restart: no map for that family
			if !ok || (ip.To4() == nil && n.Subnet6 == nil) || (ip.To4() != nil && n.Subnet == nil) {
				continue
			}
			if err := op(sets[name], []nftables.SetElement{el}); err != nil {
				return err
			}
		}
	}
	return c.Flush()
}

func (n *NAT) connLocked() (*nftables.Conn, error) {
	if n.conn != nil {
		return n.conn, nil
	}
	c, err := nftables.New(nftables.AsLasting())
	if err != nil {
		return nil, fmt.Errorf("nftables netlink: %w", err)
	}
	n.conn = c
	return c, nil
}

func (n *NAT) logf(format string, args ...any) {
	if n.Logf != nil {
		n.Logf(format, args...)
	}
}

// RemoveTable deletes podd's nftables table of the calling thread's network namespace, if it
// exists (podd --cleanup), and reports whether it did.
func RemoveTable() (bool, error) {
	n := &NAT{}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.up = true // not "left by an earlier podd": the caller says what it did
	return n.removeTableLocked()
}
