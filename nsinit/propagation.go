package nsinit

import (
	"fmt"
	"slices"

	"github.com/moby/sys/mountinfo"
	"github.com/podd/podd/mounts"
	"golang.org/x/sys/unix"
)

// rootPropagation cuts the container's new mount namespace off from podd's. Without a
// Bidirectional volume every mount becomes a slave (rslave): mounts podd's side makes reach a
// HostToContainer volume, nothing the container mounts goes back. With one (containerd's
// rshared root propagation) the mounts stay peers of podd's, so that the Bidirectional bind
// joins its source's peer group, and the mount holding the container's root is made private
// instead (runc's rootfsParentMountPrivate): the container's root, its pseudo file systems and
// its other binds (each made private or a slave by mounts.Bind) never reach podd's side.
func rootPropagation(cfg *Config) error {
	if !slices.ContainsFunc(cfg.Binds, func(b mounts.Bind) bool { return b.Propagation == mounts.PropagationShared }) {
		return unix.Mount("", "/", "", unix.MS_REC|unix.MS_SLAVE, "")
	}
	parents, err := mountinfo.GetMounts(mountinfo.ParentsFilter(cfg.Overlay.Target))
	if err != nil {
		return fmt.Errorf("find the mount holding %s: %w", cfg.Overlay.Target, err)
	}
	mp := "/"
	for _, m := range parents {
		if len(m.Mountpoint) > len(mp) {
			mp = m.Mountpoint
		}
	}
	if err := unix.Mount("", mp, "", unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make %s private: %w", mp, err)
	}
	return nil
}
