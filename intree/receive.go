package intree

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// Options say how Receive treats what it will not write.
type Options struct {
	// Warn, when set, is told of an entry skipped (a name outside the destination, a link
	// pointing out of it, a hardlink, a device); nil makes such an entry an error.
	Warn func(msg string)
	// ConfineLinks skips symlinks whose target leaves the destination (podctl's local side);
	// without it symlinks are created as they are (inside a container, podd never follows them).
	ConfineLinks bool
	// Shown is dest as messages name it (the user's words for it); dest when empty.
	Shown string
	// MaxBytes bounds the sum of the regular files' sizes as their headers declare them
	// (checked before each is written, so a sparse entry cannot expand past it); MaxEntries
	// bounds the number of entries. Zero: no bound. Past either, Receive stops with a
	// *LimitError.
	MaxBytes   int64
	MaxEntries int
}

// LimitError is Receive's error for an archive past Options.MaxBytes or MaxEntries; what came
// before the entry that passed it is written.
type LimitError struct {
	What  string // "bytes" or "entries"
	Limit int64
	Entry string // the entry that passed it
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s: the archive passes the limit of %d %s", e.Entry, e.Limit, e.What)
}

// budget counts what an archive has used of the Options' limits.
type budget struct {
	bytes   int64
	entries int
}

// take charges hdr to the budget, or returns the *LimitError it passes.
func (b *budget) take(o Options, hdr *tar.Header) error {
	b.entries++
	if o.MaxEntries > 0 && b.entries > o.MaxEntries {
		return &LimitError{What: "entries", Limit: int64(o.MaxEntries), Entry: hdr.Name}
	}
	if hdr.Typeflag == tar.TypeReg {
		if hdr.Size < 0 || (o.MaxBytes > 0 && hdr.Size > o.MaxBytes-b.bytes) {
			return &LimitError{What: "bytes", Limit: o.MaxBytes, Entry: hdr.Name}
		}
		b.bytes += hdr.Size
	}
	return nil
}

// Receive extracts the tar stream r at dest inside root: the entry "." is dest itself, the
// others are under it. Parents are created and resolved inside root (pathrs-lite); each
// entry's last component is created relative to its parent's handle with O_NOFOLLOW.
func Receive(root *os.File, dest string, r io.Reader, opts Options) error {
	tr := tar.NewReader(r)
	pc := &parents{root: root}
	defer pc.close()
	var used budget
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read archive: %w", err)
		}
		if err := used.take(opts, hdr); err != nil {
			return err
		}
		if err := receiveEntry(pc, dest, hdr, tr, opts); err != nil {
			return err
		}
	}
}

// parents keeps the handle of the last parent directory (entries of one directory come
// together in an archive): one in-root resolution per directory, not per entry.
type parents struct {
	root *os.File
	dir  string
	h    *os.File
}

func (p *parents) open(dir string) (*os.File, error) {
	if p.h != nil && p.dir == dir {
		return p.h, nil
	}
	p.close()
	h, err := pathrs.MkdirAllHandle(p.root, dir, 0o755)
	if err != nil {
		return nil, err
	}
	p.dir, p.h = dir, h
	return h, nil
}

func (p *parents) close() {
	if p.h != nil {
		p.h.Close()
		p.h = nil
	}
}

func receiveEntry(pc *parents, dest string, hdr *tar.Header, r io.Reader, opts Options) error {
	name := strings.TrimPrefix(path.Clean("/"+hdr.Name), "/")
	if hdr.Name != "." && hdr.Name != "./" && (!filepath.IsLocal(hdr.Name) || name == "") {
		return opts.refuse(fmt.Sprintf("file %q is outside target destination, skipping", hdr.Name))
	}
	full, shown := path.Join(dest, name), path.Join(dest, name)
	if opts.Shown != "" {
		shown = filepath.Join(opts.Shown, name)
	}
	switch hdr.Typeflag {
	case tar.TypeDir, tar.TypeReg, tar.TypeSymlink:
	case tar.TypeLink:
		return opts.refuse(fmt.Sprintf("skipping hardlink: %q -> %q", shown, hdr.Linkname))
	default:
		return opts.refuse(fmt.Sprintf("skipping %q: not a regular file, directory or symlink", shown))
	}
	if hdr.Typeflag == tar.TypeSymlink && opts.ConfineLinks && !linkInside(name, hdr.Linkname) {
		return opts.refuse(fmt.Sprintf("skipping symlink: %q -> %q (path outside dest)", shown, hdr.Linkname))
	}
	parent, err := pc.open(path.Dir(full))
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Dir(shown), err)
	}
	pfd, base := int(parent.Fd()), path.Base(full)
	if (base == "/" || base == ".") && hdr.Typeflag == tar.TypeDir {
		return nil // the root itself: kept as it is
	}
	if base == "/" || base == "." {
		return fmt.Errorf("%s: cannot replace the root", shown)
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		return makeDir(pfd, base, shown, hdr)
	case tar.TypeSymlink:
		return makeLink(pfd, base, shown, hdr.Linkname)
	}
	return makeFile(pfd, base, shown, hdr, r)
}

func (o Options) refuse(msg string) error {
	if o.Warn == nil {
		return errors.New(msg)
	}
	o.Warn("warning: " + msg)
	return nil
}

// linkInside: a symlink at name (relative to the destination) whose target stays inside it.
func linkInside(name, target string) bool {
	if path.IsAbs(target) {
		return false
	}
	return filepath.IsLocal(path.Join(path.Dir(name), target)) || path.Join(path.Dir(name), target) == "."
}

func mode(hdr *tar.Header) uint32 { return uint32(hdr.Mode) & 0o777 }

// makeDir creates base (or keeps it) and sets its mode; an existing symlink there is left as it
// is, never followed to chmod.
func makeDir(pfd int, base, shown string, hdr *tar.Header) error {
	if err := unix.Mkdirat(pfd, base, 0o700); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("%s: mkdir: %w", shown, err)
	}
	fd, err := unix.Openat(pfd, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		var st unix.Stat_t
		if unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK {
			return nil
		}
		return fmt.Errorf("%s: %w", shown, err)
	}
	defer unix.Close(fd)
	if err := unix.Fchmod(fd, mode(hdr)); err != nil {
		return fmt.Errorf("%s: chmod: %w", shown, err)
	}
	return nil
}

func makeLink(pfd int, base, shown, target string) error {
	err := unix.Symlinkat(target, pfd, base)
	if errors.Is(err, unix.EEXIST) {
		if err = unix.Unlinkat(pfd, base, 0); err == nil {
			err = unix.Symlinkat(target, pfd, base)
		}
	}
	if err != nil {
		return fmt.Errorf("%s: symlink: %w", shown, err)
	}
	return nil
}

// makeFile writes a regular file: an existing file is truncated, an existing symlink replaced
// (never written through), anything else refused.
func makeFile(pfd int, base, shown string, hdr *tar.Header, r io.Reader) error {
	flags := unix.O_WRONLY | unix.O_CREAT | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_CLOEXEC
	fd, err := unix.Openat(pfd, base, flags, mode(hdr))
	if errors.Is(err, unix.ELOOP) {
		if err = unix.Unlinkat(pfd, base, 0); err == nil {
			fd, err = unix.Openat(pfd, base, flags|unix.O_EXCL, mode(hdr))
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	f := os.NewFile(uintptr(fd), shown)
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return fmt.Errorf("%s: exists and is not a regular file", shown)
	}
	if err := f.Truncate(0); err != nil {
		return fmt.Errorf("%s: truncate: %w", shown, err)
	}
	if _, err := io.CopyN(f, r, hdr.Size); err != nil {
		return fmt.Errorf("%s: write: %w", shown, err)
	}
	if err := unix.Fchmod(fd, mode(hdr)); err != nil {
		return fmt.Errorf("%s: chmod: %w", shown, err)
	}
	return f.Close()
}

// Target is where a copy of a file or tree named srcBase goes when the user named dest: into
// dest when dest is an existing directory (resolved inside root), else dest itself.
func Target(root *os.File, dest, srcBase string) string {
	h, err := pathrs.OpenatInRoot(root, dest)
	if err != nil {
		return dest
	}
	defer h.Close()
	var st unix.Stat_t
	if unix.Fstat(int(h.Fd()), &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return path.Join(dest, srcBase)
	}
	return dest
}
