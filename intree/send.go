package intree

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"time"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// Send writes the file or tree at name (resolved inside root, a trailing symlink followed
// inside root too) to w as a tar stream. The top entry is named "." and the entries under it
// "a", "a/b". Symlinks inside the tree are sent as links; devices, fifos and sockets are left
// out (skip is told their names, may be nil).
func Send(root *os.File, name string, w io.Writer, skip func(string)) error {
	h, err := pathrs.OpenatInRoot(root, name)
	if err != nil {
		return fmt.Errorf("%s: %w", name, notExist(err))
	}
	defer h.Close()
	s := &sender{tw: tar.NewWriter(w), skip: skip}
	var st unix.Stat_t
	if err := unix.Fstat(int(h.Fd()), &st); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		d, err := pathrs.Reopen(h, unix.O_RDONLY|unix.O_DIRECTORY)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		err = s.dir(d, ".", name, &st)
		d.Close()
		if err != nil {
			return err
		}
	case unix.S_IFREG:
		f, err := pathrs.Reopen(h, unix.O_RDONLY|unix.O_NONBLOCK)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		err = s.file(f, ".", name)
		f.Close()
		if err != nil {
			return err
		}
	default:
		return fmt.Errorf("%s: not a regular file or directory", name)
	}
	return s.tw.Close()
}

// ErrNotExist is tar's words for a missing path.
var ErrNotExist = errors.New("Cannot stat: No such file or directory")

func notExist(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return ErrNotExist
	}
	return err
}

type sender struct {
	tw   *tar.Writer
	skip func(string)
}

func header(name string, st *unix.Stat_t, typ byte) *tar.Header {
	return &tar.Header{Name: name, Typeflag: typ, Mode: int64(st.Mode & 0o7777),
		Uid: int(st.Uid), Gid: int(st.Gid), Format: tar.FormatPAX,
		ModTime: time.Unix(st.Mtim.Unix()).Truncate(time.Second)}
}

// dir sends the directory d (opened) as name and everything under it, by handles.
func (s *sender) dir(d *os.File, name, shown string, st *unix.Stat_t) error {
	if err := s.tw.WriteHeader(header(name, st, tar.TypeDir)); err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	names, err := d.Readdirnames(-1)
	if err != nil {
		return fmt.Errorf("%s: read directory: %w", shown, err)
	}
	for _, n := range names {
		if err := s.entry(int(d.Fd()), n, child(name, n), path.Join(shown, n)); err != nil {
			return err
		}
	}
	return nil
}

func child(dir, n string) string {
	if dir == "." {
		return n
	}
	return dir + "/" + n
}

// entry sends the entry n of the directory dirfd, opened with O_NOFOLLOW and checked by fstat
// on the opened handle (what was stat'ed before may have been swapped since).
func (s *sender) entry(dirfd int, n, name, shown string) error {
	fd, err := unix.Openat(dirfd, n, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	h := os.NewFile(uintptr(fd), shown)
	defer h.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFLNK:
		return s.link(dirfd, n, name, shown, &st)
	case unix.S_IFDIR:
		d, err := openNoFollow(dirfd, n, unix.O_RDONLY|unix.O_DIRECTORY, shown)
		if err != nil {
			return err
		}
		defer d.Close()
		return s.dir(d, name, shown, &st)
	case unix.S_IFREG:
		f, err := openNoFollow(dirfd, n, unix.O_RDONLY|unix.O_NONBLOCK, shown)
		if err != nil {
			return err
		}
		defer f.Close()
		return s.file(f, name, shown)
	}
	if s.skip != nil {
		s.skip(shown)
	}
	return nil
}

func openNoFollow(dirfd int, n string, flags int, shown string) (*os.File, error) {
	fd, err := unix.Openat(dirfd, n, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", shown, err)
	}
	return os.NewFile(uintptr(fd), shown), nil
}

func (s *sender) link(dirfd int, n, name, shown string, st *unix.Stat_t) error {
	buf := make([]byte, unix.PathMax)
	k, err := unix.Readlinkat(dirfd, n, buf)
	if err != nil {
		return fmt.Errorf("%s: readlink: %w", shown, err)
	}
	hdr := header(name, st, tar.TypeSymlink)
	hdr.Linkname = string(buf[:k])
	if err := s.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	return nil
}

// file sends the opened file f; its size is the opened file's, so a file swapped for another
// kind (a fifo, a link) after the directory was read is never read.
func (s *sender) file(f *os.File, name, shown string) error {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return fmt.Errorf("%s: changed while being copied", shown)
	}
	hdr := header(name, &st, tar.TypeReg)
	hdr.Size = st.Size
	if err := s.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	if _, err := io.CopyN(s.tw, f, st.Size); err != nil {
		return fmt.Errorf("%s: %w (file changed while being copied?)", shown, err)
	}
	return nil
}
