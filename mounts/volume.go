package mounts

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Bind is a volume mount: a host path bound onto a path inside the container.
type Bind struct {
	Source   string // host path (emptyDir directory or hostPath)
	Dest     string // path inside the container
	ReadOnly bool
	Field    string // the manifest field it comes from, named in errors ("" for podd's own)
}

// Bind mounts b inside the root, read-only when asked.
func (r *Root) Bind(b Bind) error {
	st, err := os.Stat(b.Source)
	if err != nil {
		return fmt.Errorf("volume source: %w", err)
	}
	h, err := r.target(b.Dest, st.IsDir())
	if err != nil {
		return err
	}
	defer h.Close()
	if err := mountOn(h, b.Source, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s on %s: %w", b.Source, b.Dest, err)
	}
	if b.ReadOnly {
		return r.remountRO(b.Dest)
	}
	return nil
}

func (r *Root) target(dest string, dir bool) (*os.File, error) {
	if dir {
		return r.Dir(dest)
	}
	return r.File(dest)
}

// remountRO makes the mount now on top of dest read-only. The path is resolved again so the
// handle refers to the new mount rather than the directory beneath it.
func (r *Root) remountRO(dest string) error {
	h, err := r.Open(dest)
	if err != nil {
		return err
	}
	defer h.Close()
	return remountRO(h, dest)
}

// remountRO makes the mount behind handle h read-only, keeping its locked flags.
func remountRO(h *os.File, dest string) error {
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(h.Fd()), &st); err != nil {
		return fmt.Errorf("statfs %s: %w", dest, err)
	}
	flags := unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY | lockedFlags(st.Flags)
	if err := mountOn(h, "", "", uintptr(flags), ""); err != nil {
		return fmt.Errorf("remount %s read-only: %w", dest, err)
	}
	return nil
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
