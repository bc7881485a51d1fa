package overlay

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// PivotRoot makes dir the root of the calling mount namespace and detaches the old root, so no
// path leads back to the host (unlike chroot). It uses pivot_root(".", ".") as runc does: the
// old root ends up stacked under the new one and is lazily unmounted.
func PivotRoot(dir string) error {
	oldroot, err := unix.Open("/", unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("pivot_root: open old root: %w", err)
	}
	defer unix.Close(oldroot)
	if err := unix.Chdir(dir); err != nil {
		return fmt.Errorf("pivot_root: chdir %s: %w", dir, err)
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root %s: %w", dir, err)
	}
	if err := unix.Fchdir(oldroot); err != nil {
		return fmt.Errorf("pivot_root: fchdir old root: %w", err)
	}
	// The old root must not propagate the unmount back to the host.
	if err := unix.Mount("", ".", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("pivot_root: make old root rslave: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("pivot_root: detach old root: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("pivot_root: chdir /: %w", err)
	}
	return nil
}
