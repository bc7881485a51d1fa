package mounts

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// DetachedMountFunc is MountDetached; tests pass a fake.
type DetachedMountFunc func(source, target, fstype string, flags uintptr, data string, gate func(attach func() error) error) error

// MountDetached is mount(2) in two steps, through the new mount API: the filesystem is made
// (fsopen, fsconfig: for NFS the step that talks to the server, which a server that does not
// answer holds for the RPC timeouts) and mounted nowhere (fsmount); then gate is called with
// attach, which puts the mount on target (move_mount) and which gate calls or not. What gate
// does not attach is discarded, and gate's error is returned as it is. So a caller can make
// the slow step without a lock, and attach under it only if the target is still wanted.
//
// flags are mount(2)'s (MS_NOSUID, MS_NODEV, MS_RDONLY: the mount's attributes; MS_RDONLY
// also the filesystem's "ro"); data is mount(2)'s comma-separated options, each a key=value
// string or a flag. An error of the first step is the kernel's errno, wrapped.
func MountDetached(source, target, fstype string, flags uintptr, data string, gate func(attach func() error) error) error {
	fsfd, err := unix.Fsopen(fstype, unix.FSOPEN_CLOEXEC)
	if err != nil {
		return fmt.Errorf("fsopen %s: %w", fstype, err)
	}
	defer unix.Close(fsfd)
	if err := configure(fsfd, source, flags, data); err != nil {
		return err
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return fmt.Errorf("create %s %s: %w", fstype, source, err)
	}
	mfd, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, mountAttrs(flags))
	if err != nil {
		return fmt.Errorf("fsmount %s %s: %w", fstype, source, err)
	}
	defer unix.Close(mfd)
	return gate(func() error {
		if err := unix.MoveMount(mfd, "", unix.AT_FDCWD, target, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
			// not wrapped: an errno here is not the filesystem's answer to a version or option
			return fmt.Errorf("move_mount %s to %s: %v", source, target, err)
		}
		return nil
	})
}

// configure gives the filesystem context its source and options.
func configure(fsfd int, source string, flags uintptr, data string) error {
	if err := unix.FsconfigSetString(fsfd, "source", source); err != nil {
		return fmt.Errorf("fsconfig source=%s: %w", source, err)
	}
	if flags&unix.MS_RDONLY != 0 {
		if err := unix.FsconfigSetFlag(fsfd, "ro"); err != nil {
			return fmt.Errorf("fsconfig ro: %w", err)
		}
	}
	for _, opt := range strings.Split(data, ",") {
		key, value, isString := strings.Cut(opt, "=")
		switch {
		case opt == "":
			continue
		case isString:
			err := unix.FsconfigSetString(fsfd, key, value)
			if err != nil {
				return fmt.Errorf("fsconfig %s: %w", opt, err)
			}
		default:
			if err := unix.FsconfigSetFlag(fsfd, key); err != nil {
				return fmt.Errorf("fsconfig %s: %w", opt, err)
			}
		}
	}
	return nil
}

// mountAttrs are the MOUNT_ATTR_ values of mount(2)'s per-mount flags.
func mountAttrs(flags uintptr) int {
	attrs := 0
	for _, m := range []struct {
		flag uintptr
		attr int
	}{{unix.MS_NOSUID, unix.MOUNT_ATTR_NOSUID}, {unix.MS_NODEV, unix.MOUNT_ATTR_NODEV},
		{unix.MS_NOEXEC, unix.MOUNT_ATTR_NOEXEC}, {unix.MS_RDONLY, unix.MOUNT_ATTR_RDONLY}} {
		if flags&m.flag != 0 {
			attrs |= m.attr
		}
	}
	return attrs
}
