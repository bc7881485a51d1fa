package mounts

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// FS is one filesystem mounted inside every container, a small typed value so the set reads as
// a table.
type FS struct {
	Target string
	Type   string
	Flags  uintptr
	Data   string
}

const (
	nosuidNodevNoexec = unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC
)

// Pseudo is what a container gets besides its image and volumes, in mount order (runc's
// defaults). /sys/fs/cgroup shows the container's own cgroup (a cgroup namespace is unshared
// first).
var Pseudo = []FS{
	{"/proc", "proc", nosuidNodevNoexec, ""},
	{"/dev", "tmpfs", unix.MS_NOSUID | unix.MS_STRICTATIME, "mode=755,size=65536k"},
	{"/dev/pts", "devpts", unix.MS_NOSUID | unix.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5"},
	{"/dev/shm", "tmpfs", nosuidNodevNoexec, "mode=1777,size=65536k"},
	{"/dev/mqueue", "mqueue", nosuidNodevNoexec, ""},
	{"/sys", "sysfs", nosuidNodevNoexec | unix.MS_RDONLY, ""},
	{"/sys/fs/cgroup", "cgroup2", nosuidNodevNoexec | unix.MS_RDONLY, ""},
}

// Device is a character device node created in the container's /dev.
type Device struct {
	Path         string
	Major, Minor uint32
}

// Devices are the nodes every container gets (the OCI default set).
var Devices = []Device{
	{"/dev/null", 1, 3}, {"/dev/zero", 1, 5}, {"/dev/full", 1, 7},
	{"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
}

// Links are the symlinks of a standard /dev.
var Links = [][2]string{
	{"pts/ptmx", "/dev/ptmx"}, {"/proc/self/fd", "/dev/fd"}, {"/proc/self/fd/0", "/dev/stdin"},
	{"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"}, {"/proc/kcore", "/dev/core"},
}

// MountPseudo mounts the pseudo filesystems, device nodes and /dev links inside the root,
// leaving out the targets in skip (a /dev/shm that is the pod's, bound afterwards).
func (r *Root) MountPseudo(skip ...string) error {
	for _, fs := range Pseudo {
		if slices.Contains(skip, fs.Target) {
			continue
		}
		if err := r.mountFS(fs); err != nil {
			return err
		}
	}
	dev, err := r.openDir("/dev")
	if err != nil {
		return err
	}
	defer unix.Close(dev)
	for _, d := range Devices {
		if err := mknod(dev, d); err != nil {
			return err
		}
	}
	for _, l := range Links {
		if err := unix.Symlinkat(l[0], dev, l[1][len("/dev/"):]); err != nil {
			return fmt.Errorf("symlink %s -> %s: %w", l[1], l[0], err)
		}
	}
	return nil
}

func (r *Root) mountFS(fs FS) error {
	h, err := r.Dir(fs.Target)
	if err != nil {
		return err
	}
	defer h.Close()
	if err := mountOn(h, fs.Type, fs.Type, fs.Flags, fs.Data); err != nil {
		return fmt.Errorf("mount %s on %s: %w", fs.Type, fs.Target, err)
	}
	return nil
}

// mknod creates a device node in the container's fresh /dev tmpfs (dev is its directory fd).
func mknod(dev int, d Device) error {
	name := d.Path[len("/dev/"):]
	if err := unix.Mknodat(dev, name, unix.S_IFCHR|0o666, int(unix.Mkdev(d.Major, d.Minor))); err != nil {
		return fmt.Errorf("mknod %s: %w", d.Path, err)
	}
	return unix.Fchmodat(dev, name, 0o666, 0)
}

// openDir opens a directory inside the root as a real directory fd, for the *at calls.
func (r *Root) openDir(target string) (int, error) {
	h, err := r.Open(target)
	if err != nil {
		return -1, err
	}
	defer h.Close()
	return reopenDir(h)
}

// ShmPath is where a container sees its pod's shared /dev/shm.
const ShmPath = "/dev/shm"

// SplitDevBinds separates the binds whose target is under /dev, which must be mounted after
// the container's /dev tmpfs (MountPseudo) or it would cover them, from the others; shm
// reports whether one of them is the container's /dev/shm.
func SplitDevBinds(binds []Bind) (early, late []Bind, shm bool) {
	for _, b := range binds {
		dest := path.Clean(b.Dest)
		if !strings.HasPrefix(dest, "/dev/") {
			early = append(early, b)
			continue
		}
		late = append(late, b)
		shm = shm || dest == ShmPath
	}
	return early, late, shm
}
