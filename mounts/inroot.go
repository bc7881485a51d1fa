// Package mounts places filesystems inside a container's root: volumes as bind mounts and the
// pseudo filesystems (/proc, /dev, /sys) every container gets. Every target inside the root is
// resolved with filepath-securejoin's pathrs-lite and mounted through its file handle, so a
// symlink planted in the image or a shared volume can never redirect a mount onto the host.
package mounts

import (
	"fmt"
	"os"
	"path/filepath"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// Root is a container root directory opened once; all targets are resolved beneath it.
type Root struct{ f *os.File }

// OpenRoot opens dir as the root that targets are resolved in.
func OpenRoot(dir string) (*Root, error) {
	f, err := os.OpenFile(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open container root: %w", err)
	}
	return &Root{f: f}, nil
}

// Close releases the root handle.
func (r *Root) Close() error { return r.f.Close() }

// Dir opens (creating as needed) the directory target inside the root. An existing target
// costs one openat2 with RESOLVE_IN_ROOT (the kernel keeps every symlink inside the root);
// only a missing one goes through pathrs-lite's MkdirAll.
func (r *Root) Dir(target string) (*os.File, error) {
	if h, err := r.inRoot(target); err == nil {
		var st unix.Stat_t
		if err := unix.Fstat(int(h.Fd()), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
			h.Close()
			return nil, fmt.Errorf("mkdir %s in container root: %w", target, unix.ENOTDIR)
		}
		return h, nil
	}
	h, err := pathrs.MkdirAllHandle(r.f, target, 0o755)
	if err != nil {
		return nil, fmt.Errorf("mkdir %s in container root: %w", target, err)
	}
	return h, nil
}

// File opens (creating an empty one as needed) the regular file target inside the root, for
// bind-mounting a file over it.
func (r *Root) File(target string) (*os.File, error) {
	parent, err := r.Dir(filepath.Dir(target))
	if err != nil {
		return nil, err
	}
	defer parent.Close()
	dir, err := reopenDir(parent)
	if err != nil {
		return nil, err
	}
	defer unix.Close(dir)
	base := filepath.Base(target)
	fd, err := unix.Openat(dir, base, unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_RDONLY, 0o644)
	if err == unix.ELOOP {
		// A symlink (say /etc/resolv.conf -> ../run/...): replace it with a plain file in the
		// container's own writable layer rather than follow it anywhere.
		if err = unix.Unlinkat(dir, base, 0); err == nil {
			fd, err = unix.Openat(dir, base, unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_RDONLY, 0o644)
		}
	}
	if err != nil && err != unix.EISDIR {
		return nil, fmt.Errorf("create %s in container root: %w", target, err)
	}
	if err == nil {
		unix.Close(fd)
	}
	return r.Open(target)
}

// reopenDir turns an O_PATH directory handle into a real directory fd for the *at calls.
func reopenDir(h *os.File) (int, error) {
	fd, err := unix.Open(fdPath(h), unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("reopen %s: %w", h.Name(), err)
	}
	return fd, nil
}

// Open resolves an existing target inside the root, as an O_PATH handle.
func (r *Root) Open(target string) (*os.File, error) {
	if h, err := r.inRoot(target); err == nil {
		return h, nil
	}
	h, err := pathrs.OpenatInRoot(r.f, target)
	if err != nil {
		return nil, fmt.Errorf("open %s in container root: %w", target, err)
	}
	return h, nil
}

// inRoot resolves target as if the root were "/", in the kernel (openat2 RESOLVE_IN_ROOT):
// ".." and absolute symlinks stop at the root, magic links are refused.
func (r *Root) inRoot(target string) (*os.File, error) {
	how := &unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS}
	fd, err := unix.Openat2(int(r.f.Fd()), target, how)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), target), nil
}

// Beneath opens rel under dir without following any symlink, for paths inside filesystems podd
// has just mounted itself (the container's /dev tmpfs, procfs, sysfs): one openat2 each
// instead of a full pathrs walk, with the same guarantee that nothing leads outside.
func Beneath(dir *os.File, rel string) (*os.File, error) {
	how := &unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS}
	fd, err := unix.Openat2(int(dir.Fd()), rel, how)
	if err != nil {
		return nil, fmt.Errorf("open %s beneath %s: %w", rel, dir.Name(), err)
	}
	return os.NewFile(uintptr(fd), filepath.Join(dir.Name(), rel)), nil
}

// mountOn mounts onto the object behind handle h (through its /proc/thread-self/fd link).
func mountOn(h *os.File, src, fstype string, flags uintptr, data string) error {
	return unix.Mount(src, fdPath(h), fstype, flags, data)
}

func fdPath(h *os.File) string { return fmt.Sprintf("/proc/thread-self/fd/%d", h.Fd()) }
