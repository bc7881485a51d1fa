package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/podd/podd/netsetup"
	"golang.org/x/sys/unix"
)

// cleanup is `podd --cleanup`: it deletes what podd set on the node's netfilter (its nftables
// table, inet podd), unless a podd runs on --root (it holds <root>/podd.lock): its pods'
// egress and hostPorts would stop. A podd started later makes the table again for its pods.
func cleanup(c *config) error {
	lock := filepath.Join(c.String("root"), "podd.lock")
	f, err := os.OpenFile(lock, os.O_RDWR, 0)
	if err == nil {
		defer f.Close()
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			return fmt.Errorf("--cleanup: a podd is running on --root %s (%s is locked): stop it first", c.String("root"), lock)
		}
	}
	removed, err := netsetup.RemoveTable()
	if err != nil {
		return fmt.Errorf("--cleanup: %w", err)
	}
	if removed {
		fmt.Println("podd: removed nftables table inet podd")
	} else {
		fmt.Println("podd: no nftables table inet podd")
	}
	return nil
}
