package mounts

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Bind is a volume mount: a host path bound onto a path inside the container.
type Bind struct {
	Source   string // host path (emptyDir directory or hostPath)
	SubPath  string // a path beneath Source to bind instead of Source ("" for Source itself)
	Dest     string // path inside the container
	ReadOnly bool
	Field    string // the manifest field it comes from, named in errors ("" for podd's own)
	// RecursiveRO makes every mount below Dest read-only too (recursiveReadOnly: RROEnabled,
	// or RROIfPossible when the kernel can); "" leaves submounts as they are.
	RecursiveRO string
	// Propagation is the mount's propagation (mountPropagation): "" (None: rprivate),
	// PropagationSlave (HostToContainer) or PropagationShared (Bidirectional).
	Propagation string
}

// The values of Bind.RecursiveRO and Bind.Propagation, as the Kubernetes API spells them.
const (
	RROEnabled        = "Enabled"
	RROIfPossible     = "IfPossible"
	PropagationSlave  = "HostToContainer"
	PropagationShared = "Bidirectional"
)

// Bind mounts b inside the root: nodev, submounts included, unless the source is itself a
// device node (a hostPath CharDevice/BlockDevice: whether it may be used is the cgroup device
// filter's decision); read-only when asked.
func (r *Root) Bind(b Bind) error {
	src, closeSrc, err := b.source()
	if err != nil {
		return err
	}
	defer closeSrc()
	st, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("volume source: %w", err)
	}
	h, err := r.target(b.Dest, st.IsDir())
	if err != nil {
		return err
	}
	err = mountOn(h, src, "", unix.MS_BIND|unix.MS_REC, "")
	h.Close()
	if err != nil {
		return fmt.Errorf("bind %s on %s: %w", b.Source, b.Dest, err)
	}
	// Resolved again, so the handle refers to the new mount rather than what it covers.
	if h, err = r.Open(b.Dest); err != nil {
		return err
	}
	defer h.Close()
	if st.Mode()&os.ModeDevice == 0 {
		if err := setNodev(h, b.Dest); err != nil {
			return err
		}
	}
	if err := setPropagation(h, b); err != nil {
		return err
	}
	if b.ReadOnly {
		return bindReadOnly(h, b)
	}
	return nil
}

// setPropagation gives the bind and its submounts the propagation asked for (kubelet's
// mountPropagation; None is private: a bind of a shared host mount would otherwise join its
// peer group, and mounts would travel both ways).
func setPropagation(h *os.File, b Bind) error {
	prop := map[string]uint64{PropagationSlave: unix.MS_SLAVE, PropagationShared: unix.MS_SHARED}[b.Propagation]
	if prop == 0 {
		prop = unix.MS_PRIVATE
	}
	err := unix.MountSetattr(int(h.Fd()), "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &unix.MountAttr{Propagation: prop})
	if err == unix.ENOSYS {
		err = mountOn(h, "", "", uintptr(prop)|unix.MS_REC, "")
	}
	if err != nil {
		return fmt.Errorf("mount propagation of %s: %w", b.Dest, err)
	}
	return nil
}

// bindReadOnly makes the bind read-only: with its submounts (mount_setattr MOUNT_ATTR_RDONLY,
// AT_RECURSIVE) when recursiveReadOnly asks, else the top mount only. IfPossible falls back to
// the top mount on a kernel without mount_setattr (< 5.12); Enabled fails there.
func bindReadOnly(h *os.File, b Bind) error {
	if b.RecursiveRO == "" {
		return remountRO(h, b.Dest)
	}
	attr := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
	err := unix.MountSetattr(int(h.Fd()), "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, attr)
	if err == unix.ENOSYS && b.RecursiveRO == RROIfPossible {
		return remountRO(h, b.Dest)
	}
	if err != nil {
		return fmt.Errorf("make %s recursively read-only: %w", b.Dest, err)
	}
	return nil
}

// setNodev makes the mount behind h and every mount below it nodev (mount_setattr, Linux
// >= 5.12; before that, a remount of the top mount only).
func setNodev(h *os.File, dest string) error {
	attr := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_NODEV}
	err := unix.MountSetattr(int(h.Fd()), "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, attr)
	if err == unix.ENOSYS {
		err = remount(h, dest, unix.MS_NODEV)
	}
	if err != nil {
		return fmt.Errorf("make %s nodev: %w", dest, err)
	}
	return nil
}

func (r *Root) target(dest string, dir bool) (*os.File, error) {
	if dir {
		return r.Dir(dest)
	}
	return r.File(dest)
}

// remountRO makes the mount behind handle h read-only, keeping its locked flags.
func remountRO(h *os.File, dest string) error {
	if err := remount(h, dest, unix.MS_RDONLY); err != nil {
		return fmt.Errorf("remount %s read-only: %w", dest, err)
	}
	return nil
}

// remount adds flags to the bind mount behind h, repeating the flags it already has.
func remount(h *os.File, dest string, flags int) error {
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(h.Fd()), &st); err != nil {
		return fmt.Errorf("statfs %s: %w", dest, err)
	}
	return mountOn(h, "", "", uintptr(unix.MS_BIND|unix.MS_REMOUNT|flags|lockedFlags(st.Flags)), "")
}

// lockedFlags keeps the per-mount flags a bind remount must repeat.
func lockedFlags(f int64) int {
	var out int
	for st, ms := range map[int64]int{unix.ST_NOSUID: unix.MS_NOSUID, unix.ST_NODEV: unix.MS_NODEV,
		unix.ST_NOEXEC: unix.MS_NOEXEC, unix.ST_NOATIME: unix.MS_NOATIME, unix.ST_RELATIME: unix.MS_RELATIME} {
		if f&st != 0 {
			out |= ms
		}
	}
	return out
}

// source is the path to bind: Source itself, or the SubPath beneath it opened without leaving
// the volume (subpath.go) and named by its descriptor, so that nothing swapped in afterwards
// (a symlink put in place of a directory by a container sharing the volume) changes what is
// bound.
func (b Bind) source() (string, func(), error) {
	if b.SubPath == "" {
		return b.Source, func() {}, nil
	}
	h, err := OpenSubPath(b.Source, b.SubPath)
	if err != nil {
		return "", nil, err
	}
	return fdPath(h), func() { h.Close() }, nil
}

// RecursiveReadOnlySupported reports whether the kernel has mount_setattr (Linux >= 5.12),
// which recursiveReadOnly needs: what IfPossible resolves to on this machine.
func RecursiveReadOnlySupported() bool {
	err := unix.MountSetattr(-1, "", unix.AT_EMPTY_PATH, &unix.MountAttr{})
	return err != unix.ENOSYS
}
