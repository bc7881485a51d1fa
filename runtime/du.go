package runtime

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// Limits of one disk-usage walk (see duWalk).
const (
	duMaxDepth = 256 // deeper directories are counted but not entered
)

// duWalk sums the disk space (st_blocks * 512) of a directory tree the way du does, a bounded
// number of entries per step so a volume with millions of files costs podd a steady trickle of
// work rather than a stall: the walk resumes where the last step stopped. It never follows a
// symlink nor leaves the directory's filesystem, and opens each directory relative to its
// parent (a container renaming things under it cannot send it elsewhere).
type duWalk struct {
	root  string
	dev   uint64
	stack []*os.File
	total int64
	done  bool
	deep  bool // some directory was too deep to enter
}

func newDuWalk(root string) *duWalk { return &duWalk{root: root} }

// step visits up to budget entries; it reports the total so far and whether the walk is done.
func (w *duWalk) step(budget int) (int64, bool, error) {
	if w.done {
		return w.total, true, nil
	}
	if w.stack == nil {
		if err := w.start(); err != nil {
			w.done = true
			return 0, true, err
		}
	}
	for budget > 0 && len(w.stack) > 0 {
		n, err := w.readTop(min(budget, 256))
		if err != nil {
			w.close()
			w.done = true
			return w.total, true, err
		}
		budget -= max(n, 1)
	}
	if len(w.stack) == 0 {
		w.done = true
	}
	return w.total, w.done, nil
}

func (w *duWalk) start() error {
	fd, err := unix.Open(w.root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", w.root, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return fmt.Errorf("stat %s: %w", w.root, err)
	}
	w.dev, w.total = st.Dev, st.Blocks*512
	w.stack = []*os.File{os.NewFile(uintptr(fd), w.root)}
	return nil
}

// readTop reads up to n entries of the deepest open directory, counting each and pushing the
// subdirectories; at the directory's end it pops it.
func (w *duWalk) readTop(n int) (int, error) {
	dir := w.stack[len(w.stack)-1]
	entries, err := dir.ReadDir(n)
	if errors.Is(err, io.EOF) || (err == nil && len(entries) == 0) {
		dir.Close()
		w.stack = w.stack[:len(w.stack)-1]
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", dir.Name(), err)
	}
	dfd := int(dir.Fd())
	for _, e := range entries {
		var st unix.Stat_t
		if err := unix.Fstatat(dfd, e.Name(), &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			continue // gone meanwhile
		}
		w.total += st.Blocks * 512
		if st.Mode&unix.S_IFMT == unix.S_IFDIR && st.Dev == w.dev {
			w.push(dfd, dir.Name(), e.Name())
		}
	}
	return len(entries), nil
}

func (w *duWalk) push(parent int, parentPath, name string) {
	if len(w.stack) >= duMaxDepth {
		w.deep = true
		return
	}
	fd, err := unix.Openat(parent, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return // gone or replaced by a symlink meanwhile
	}
	w.stack = append(w.stack, os.NewFile(uintptr(fd), parentPath+"/"+name))
}

func (w *duWalk) close() {
	for _, f := range w.stack {
		f.Close()
	}
	w.stack = nil
}
