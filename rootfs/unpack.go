package rootfs

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// OCI whiteout markers, and the overlayfs xattr that marks an opaque directory.
const (
	whiteoutPrefix = ".wh."
	whiteoutMeta   = ".wh..wh."
	whiteoutOpaque = ".wh..wh..opq"
	opaqueXattr    = "trusted.overlay.opaque"
)

// unpacker extracts one layer tar into a directory it alone writes to. Every entry's parent is
// resolved inside the root with pathrs-lite (symlinks in the layer are followed as if the root
// were "/", never out of it); the final component is never followed: it is removed and
// re-created, and changed only through *at calls with AT_SYMLINK_NOFOLLOW or an O_NOFOLLOW fd.
type unpacker struct {
	root     *os.File        // O_PATH handle of the destination
	budget   *budget         // counts entries and sizes; nil: no limit
	written  int64           // the regular files' sizes so far
	dirs     map[string]bool // directories made or seen (a budget's parent accounting)
	chown    bool            // only root may give files away
	buf      []byte
	dirTimes map[string][2]unix.Timespec // applied last: writing children changes them
}

// unpackLayer extracts the layer tar r into dir, an existing empty directory.
func unpackLayer(dir string, r io.Reader) error { return unpackLayerBudget(dir, r, nil) }

// unpackLayerBudget is unpackLayer with every entry counted against b (nil: no limit).
func unpackLayerBudget(dir string, r io.Reader, b *budget) error {
	root, err := os.OpenFile(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open unpack dir: %w", err)
	}
	defer root.Close()
	u := &unpacker{root: root, budget: b, dirs: map[string]bool{}, chown: os.Geteuid() == 0, buf: make([]byte, 256<<10),
		dirTimes: map[string][2]unix.Timespec{}}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return u.finish()
		}
		if err != nil {
			return fmt.Errorf("read layer tar: %w", err)
		}
		if b != nil {
			if err := b.entry(hdr, &u.written); err != nil {
				return err
			}
		}
		if err := u.entry(hdr, tr); err != nil {
			return fmt.Errorf("layer entry %q: %w", hdr.Name, err)
		}
	}
}

// cleanName maps a tar entry name to a path relative to the root: ".." cannot climb above the
// root and a leading "/" is dropped. The root itself is ".".
func cleanName(name string) string {
	p := strings.TrimPrefix(path.Clean("/"+name), "/")
	if p == "" {
		return "."
	}
	return p
}

func (u *unpacker) entry(hdr *tar.Header, r io.Reader) error {
	rel := cleanName(hdr.Name)
	dir, base := path.Dir(rel), path.Base(rel)
	if err := u.chargeParents(dir, rel, hdr.Typeflag == tar.TypeDir); err != nil {
		return err
	}
	if strings.HasPrefix(base, whiteoutPrefix) {
		return u.whiteout(dir, base)
	}
	if rel == "." {
		if hdr.Typeflag != tar.TypeDir {
			return errors.New("only a directory may name the layer root")
		}
		return u.dir(u.root, ".", rel, hdr)
	}
	parent, err := pathrs.MkdirAllHandle(u.root, dir, 0o755)
	if err != nil {
		return fmt.Errorf("parent directory %q: %w", dir, err)
	}
	defer parent.Close()
	return u.create(parent, base, rel, hdr, r)
}

func (u *unpacker) create(parent *os.File, base, rel string, hdr *tar.Header, r io.Reader) error {
	switch hdr.Typeflag {
	case tar.TypeDir:
		return u.dir(parent, base, rel, hdr)
	case tar.TypeReg, tar.TypeGNUSparse:
		return u.file(parent, base, hdr, r)
	case tar.TypeSymlink:
		return u.symlink(parent, base, hdr)
	case tar.TypeLink:
		return u.hardlink(parent, base, hdr)
	case tar.TypeChar, tar.TypeBlock:
		return u.device(parent, base, hdr)
	case tar.TypeFifo:
		return u.node(parent, base, hdr)
	case tar.TypeXGlobalHeader:
		return nil
	}
	return fmt.Errorf("unsupported tar entry type %q", hdr.Typeflag)
}

// clearEntry removes whatever sits at parent/base, unless keepDir and it is a directory (a
// directory entry over an existing directory only updates its metadata). It reports whether
// a directory was kept.
func (u *unpacker) clearEntry(parent *os.File, base string, keepDir bool) (bool, error) {
	var st unix.Stat_t
	err := unix.Fstatat(fd(parent), base, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("stat existing entry: %w", err)
	}
	isDir := st.Mode&unix.S_IFMT == unix.S_IFDIR
	if isDir && keepDir {
		return true, nil
	}
	if isDir {
		clear(u.dirs) // the budget's record of made directories is stale: forget it all
		return false, removeAllAt(fd(parent), base)
	}
	if err := unix.Unlinkat(fd(parent), base, 0); err != nil {
		return false, fmt.Errorf("remove existing entry: %w", err)
	}
	return false, nil
}

// removeAllAt removes the directory dirfd/name and its contents without following symlinks.
func removeAllAt(dirfd int, name string) error {
	dfd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %q for removal: %w", name, err)
	}
	d := os.NewFile(uintptr(dfd), name)
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return fmt.Errorf("list %q for removal: %w", name, err)
	}
	for _, n := range names {
		err := unix.Unlinkat(dfd, n, 0)
		if errors.Is(err, unix.EISDIR) {
			err = removeAllAt(dfd, n)
		}
		if err != nil {
			return fmt.Errorf("remove %q: %w", n, err)
		}
	}
	if err := unix.Unlinkat(dirfd, name, unix.AT_REMOVEDIR); err != nil {
		return fmt.Errorf("remove directory %q: %w", name, err)
	}
	return nil
}

func (u *unpacker) dir(parent *os.File, base, rel string, hdr *tar.Header) error {
	kept, err := u.clearEntry(parent, base, true)
	if err != nil {
		return err
	}
	if !kept && base != "." {
		if err := unix.Mkdirat(fd(parent), base, 0o700); err != nil {
			return fmt.Errorf("mkdir: %w", err)
		}
	}
	f, err := openNoFollow(parent, base, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return err
	}
	defer f.Close()
	u.dirTimes[rel] = times(hdr)
	return u.meta(f, hdr)
}

func (u *unpacker) file(parent *os.File, base string, hdr *tar.Header, r io.Reader) error {
	if _, err := u.clearEntry(parent, base, false); err != nil {
		return err
	}
	f, err := openNoFollow(parent, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.CopyBuffer(f, r, u.buf); err != nil {
		return fmt.Errorf("write contents: %w", err)
	}
	if err := u.meta(f, hdr); err != nil {
		return err
	}
	return setTimes(parent, base, hdr)
}

func (u *unpacker) symlink(parent *os.File, base string, hdr *tar.Header) error {
	if _, err := u.clearEntry(parent, base, false); err != nil {
		return err
	}
	if err := unix.Symlinkat(hdr.Linkname, fd(parent), base); err != nil {
		return fmt.Errorf("symlink: %w", err)
	}
	if err := u.chownAt(parent, base, hdr); err != nil {
		return err
	}
	return setTimes(parent, base, hdr)
}

// hardlink links to an earlier entry, resolved inside the root like any other path; a symlink
// as the target's last component is linked itself, not followed (linkat without FOLLOW).
func (u *unpacker) hardlink(parent *os.File, base string, hdr *tar.Header) error {
	target := cleanName(hdr.Linkname)
	if target == "." {
		return fmt.Errorf("hard link to the layer root (%q)", hdr.Linkname)
	}
	tparent, err := pathrs.OpenatInRoot(u.root, path.Dir(target))
	if err != nil {
		return fmt.Errorf("hard link target %q: %w", hdr.Linkname, err)
	}
	defer tparent.Close()
	if _, err := u.clearEntry(parent, base, false); err != nil {
		return err
	}
	if err := unix.Linkat(fd(tparent), path.Base(target), fd(parent), base, 0); err != nil {
		return fmt.Errorf("hard link to %q: %w", hdr.Linkname, err)
	}
	return nil
}

// device handles a device node entry: only an overlayfs whiteout (a 0/0 character device) is
// created. Any other node is left out: a layer must never put a device of the host (its disk,
// /dev/kmsg, /dev/mem) into the image store on the host's filesystem, nor into a container.
// Containers get their devices from podd (a fresh /dev) and the cgroup device filter.
func (u *unpacker) device(parent *os.File, base string, hdr *tar.Header) error {
	if hdr.Typeflag == tar.TypeChar && hdr.Devmajor == 0 && hdr.Devminor == 0 {
		return u.node(parent, base, hdr)
	}
	// The entry still replaces what an earlier entry of this layer put at its path.
	_, err := u.clearEntry(parent, base, false)
	return err
}

func (u *unpacker) node(parent *os.File, base string, hdr *tar.Header) error {
	if _, err := u.clearEntry(parent, base, false); err != nil {
		return err
	}
	mode := map[byte]uint32{tar.TypeChar: unix.S_IFCHR, tar.TypeBlock: unix.S_IFBLK,
		tar.TypeFifo: unix.S_IFIFO}[hdr.Typeflag]
	dev := unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor))
	if err := unix.Mknodat(fd(parent), base, mode|0o600, int(dev)); err != nil {
		return fmt.Errorf("mknod: %w", err)
	}
	if err := u.chownAt(parent, base, hdr); err != nil {
		return err
	}
	// Fchmodat follows a symlink, but base is the node mknodat just made in a tree only we write.
	if err := unix.Fchmodat(fd(parent), base, perm(hdr), 0); err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	return setTimes(parent, base, hdr)
}

// whiteout turns an OCI whiteout into its overlayfs form: ".wh..wh..opq" marks the directory
// opaque; ".wh.NAME" becomes a 0/0 character device NAME, unless this layer itself provides NAME
// (a whiteout only hides lower layers).
func (u *unpacker) whiteout(dir, base string) error {
	parent, err := pathrs.MkdirAllHandle(u.root, dir, 0o755)
	if err != nil {
		return fmt.Errorf("whiteout directory %q: %w", dir, err)
	}
	defer parent.Close()
	if base == whiteoutOpaque {
		return setOpaque(parent)
	}
	if strings.HasPrefix(base, whiteoutMeta) {
		return nil // other aufs metadata (.wh..wh.plnk, ...): meaningless to overlayfs
	}
	name := strings.TrimPrefix(base, whiteoutPrefix)
	if name == "" || name == "." || name == ".." {
		return fmt.Errorf("invalid whiteout %q", base)
	}
	var st unix.Stat_t
	if err := unix.Fstatat(fd(parent), name, &st, unix.AT_SYMLINK_NOFOLLOW); err == nil {
		return nil
	}
	if err := unix.Mknodat(fd(parent), name, unix.S_IFCHR, 0); err != nil {
		return fmt.Errorf("whiteout device %q: %w", name, err)
	}
	return nil
}

func setOpaque(dir *os.File) error {
	f, err := pathrs.Reopen(dir, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return fmt.Errorf("reopen opaque directory: %w", err)
	}
	defer f.Close()
	if err := unix.Fsetxattr(fd(f), opaqueXattr, []byte("y"), 0); err != nil {
		return fmt.Errorf("set %s: %w", opaqueXattr, err)
	}
	return nil
}

// meta sets owner, mode (after chown, which clears set-id bits) and xattrs through an fd.
func (u *unpacker) meta(f *os.File, hdr *tar.Header) error {
	if u.chown {
		if err := unix.Fchown(fd(f), hdr.Uid, hdr.Gid); err != nil {
			return fmt.Errorf("chown: %w", err)
		}
	}
	if err := unix.Fchmod(fd(f), perm(hdr)); err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	return setXattrs(f, hdr)
}

// setXattrs applies the layer's SCHILY.xattr records, except overlayfs's own (trusted.* and
// user.overlay.*): a layer must not forge whiteouts, redirects or metacopy for overlayfs.
func setXattrs(f *os.File, hdr *tar.Header) error {
	for k, v := range hdr.PAXRecords {
		name, ok := strings.CutPrefix(k, "SCHILY.xattr.")
		if !ok || strings.HasPrefix(name, "trusted.") || strings.HasPrefix(name, "user.overlay.") {
			continue
		}
		err := unix.Fsetxattr(fd(f), name, []byte(v), 0)
		if err != nil && !errors.Is(err, unix.ENOTSUP) {
			return fmt.Errorf("set xattr %s: %w", name, err)
		}
	}
	return nil
}

func (u *unpacker) chownAt(parent *os.File, base string, hdr *tar.Header) error {
	if !u.chown {
		return nil
	}
	if err := unix.Fchownat(fd(parent), base, hdr.Uid, hdr.Gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("lchown: %w", err)
	}
	return nil
}

// finish applies directory times, now that no more children will be written.
func (u *unpacker) finish() error {
	for rel, ts := range u.dirTimes {
		parent, err := pathrs.OpenatInRoot(u.root, path.Dir(rel))
		if err != nil {
			return fmt.Errorf("directory times of %q: %w", rel, err)
		}
		err = unix.UtimesNanoAt(fd(parent), path.Base(rel), ts[:], unix.AT_SYMLINK_NOFOLLOW)
		parent.Close()
		if err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("directory times of %q: %w", rel, err)
		}
	}
	return nil
}

func setTimes(parent *os.File, base string, hdr *tar.Header) error {
	ts := times(hdr)
	if err := unix.UtimesNanoAt(fd(parent), base, ts[:], unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("set times: %w", err)
	}
	return nil
}

func times(hdr *tar.Header) [2]unix.Timespec {
	mtime := timespec(hdr.ModTime.Unix(), hdr.ModTime.Nanosecond())
	atime := mtime
	if !hdr.AccessTime.IsZero() {
		atime = timespec(hdr.AccessTime.Unix(), hdr.AccessTime.Nanosecond())
	}
	return [2]unix.Timespec{atime, mtime}
}

func timespec(sec int64, nsec int) unix.Timespec {
	return unix.Timespec{Sec: sec, Nsec: int64(nsec)}
}

// perm is the entry's permission bits including setuid, setgid and sticky.
func perm(hdr *tar.Header) uint32 { return uint32(hdr.Mode) & 0o7777 }

func openNoFollow(parent *os.File, base string, flags int) (*os.File, error) {
	nfd, err := unix.Openat(fd(parent), base, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", base, err)
	}
	return os.NewFile(uintptr(nfd), base), nil
}

func fd(f *os.File) int { return int(f.Fd()) }

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
