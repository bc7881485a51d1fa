package nsinit

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// drainBound caps how long an exec's output is still read after the command exited. A child
// the command left in the background keeps the pipes (or the pty) open, maybe for ever; what the
// command itself wrote is already buffered by then (containerd's drainExecSyncIO does the same
// with a configurable timeout).
const drainBound = 2 * time.Second

// drainPoll is how often the buffered output is checked once the command exited.
const drainPoll = 10 * time.Millisecond

// execution is the plumbing between the API stream and the exec'd process.
type execution struct {
	stdin                       io.Reader
	stdout, stderr              io.Writer
	tty                         bool
	childIn, childOut, childErr *os.File
	parentIn                    *os.File
	outputs                     []*os.File
	pid                         int
	copies                      sync.WaitGroup
}

// open makes pipes, or a pseudo-terminal from the container's own devpts (the thread has
// already joined its mount namespace). On failure nothing stays open.
func (x *execution) open() error {
	if x.tty {
		return x.openTTY()
	}
	var files []*os.File
	for range 3 {
		r, w, err := os.Pipe()
		if err != nil {
			closeFiles(files...)
			return fmt.Errorf("exec: pipe: %w", err)
		}
		files = append(files, r, w)
	}
	x.childIn, x.parentIn = files[0], files[1]
	x.outputs = []*os.File{files[2], files[4]}
	x.childOut, x.childErr = files[3], files[5]
	return nil
}

// openTTY opens a pty pair from the container's devpts: the master through /dev/pts/ptmx with no
// symlink followed (the container owns /dev/ptmx and may have replaced it), checked to be
// devpts, and the slave through the master (TIOCGPTPEER), so no path the container controls is
// opened.
func (x *execution) openTTY() error {
	master, err := openPtmx()
	if err != nil {
		return err
	}
	slave, err := ptyPeer(master)
	if err != nil {
		master.Close()
		return err
	}
	x.childIn, x.childOut, x.childErr, x.parentIn = slave, slave, slave, master
	x.outputs = []*os.File{master}
	return nil
}

const ptmxPath = "/dev/pts/ptmx"

// openPtmx returns the master side of a new, unlocked pty, non-blocking so that reads can be
// given a deadline.
func openPtmx() (*os.File, error) {
	fd, err := unix.Openat2(unix.AT_FDCWD, ptmxPath, &unix.OpenHow{
		Flags:   unix.O_RDWR | unix.O_NOCTTY | unix.O_CLOEXEC | unix.O_NONBLOCK,
		Resolve: unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	})
	if err != nil {
		return nil, fmt.Errorf("exec: open container %s: %w", ptmxPath, err)
	}
	if err := checkPtmx(fd); err != nil {
		unix.Close(fd)
		return nil, err
	}
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("exec: unlock pty: %w", err)
	}
	return os.NewFile(uintptr(fd), ptmxPath), nil
}

func checkPtmx(fd int) error {
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		return fmt.Errorf("exec: fstatfs %s: %w", ptmxPath, err)
	}
	if st.Type != unix.DEVPTS_SUPER_MAGIC {
		return fmt.Errorf("exec: %s is not on a devpts file system", ptmxPath)
	}
	return nil
}

// ptyPeer opens the slave of master without a path lookup.
func ptyPeer(master *os.File) (*os.File, error) {
	rc, err := master.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("exec: pty: %w", err)
	}
	var fd uintptr
	var errno unix.Errno
	err = rc.Control(func(m uintptr) {
		fd, _, errno = unix.Syscall(unix.SYS_IOCTL, m, unix.TIOCGPTPEER, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC)
	})
	if err == nil && errno != 0 {
		err = errno
	}
	if err != nil {
		return nil, fmt.Errorf("exec: open pty slave: %w", err)
	}
	return os.NewFile(fd, "pty slave"), nil
}

func closeFiles(files ...*os.File) {
	for _, f := range files {
		if f != nil {
			f.Close()
		}
	}
}

// started closes the child's ends and starts copying; when the start failed, it closes
// everything.
func (x *execution) started(pid int, err error) {
	closeFiles(x.childIn, x.childOut, x.childErr)
	if err != nil {
		closeFiles(x.parentIn)
		closeFiles(x.outputs...)
		return
	}
	x.pid = pid
	go x.copyStdin()
	dst := []io.Writer{x.stdout, x.stderr}
	for i, f := range x.outputs {
		x.copies.Add(1)
		go func() {
			defer x.copies.Done()
			_, _ = io.Copy(dst[i], f)
		}()
	}
}

func (x *execution) copyStdin() {
	if x.stdin != nil {
		_, _ = io.Copy(x.parentIn, x.stdin)
	}
	if !x.tty {
		x.parentIn.Close()
	}
}

// finish drains the output after the process exited and closes the parent's ends.
func (x *execution) finish() {
	x.drain(drainBound)
	if x.tty {
		x.parentIn.Close()
	}
	closeFiles(x.outputs...)
}

// drain lets the copies end by themselves (EOF on pipes, EIO on a pty master, once every holder
// is gone), or stops them once nothing the exited command wrote is left unread: its output is
// all buffered when it exits, so an empty buffer on two polls in a row means the rest, if any,
// would come from children it left behind. bound caps the wait for output that keeps coming.
func (x *execution) drain(bound time.Duration) {
	done := make(chan struct{})
	go func() { x.copies.Wait(); close(done) }()
	deadline := time.NewTimer(bound)
	defer deadline.Stop()
	tick := time.NewTicker(drainPoll)
	defer tick.Stop()
	empty := 0
	for empty < 2 {
		select {
		case <-done:
			return
		case <-deadline.C:
			empty = 2
		case <-tick.C:
			if x.buffered() {
				empty = 0
			} else {
				empty++
			}
		}
	}
	x.stopCopies()
	<-done
}

// buffered reports whether any output is still waiting to be read.
func (x *execution) buffered() bool {
	for _, f := range x.outputs {
		if n, err := unread(f); err == nil && n > 0 {
			return true
		}
	}
	return false
}

// unread is FIONREAD (TIOCINQ) on f, without putting f in blocking mode as f.Fd() would.
func unread(f *os.File) (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var n int
	cerr := rc.Control(func(fd uintptr) { n, err = unix.IoctlGetInt(int(fd), unix.TIOCINQ) })
	return n, errors.Join(cerr, err)
}

// stopCopies makes the copies' next reads fail at once: a past read deadline, or closing the
// file where deadlines are not supported.
func (x *execution) stopCopies() {
	for _, f := range x.outputs {
		if err := f.SetReadDeadline(time.Now()); err != nil {
			f.Close()
		}
	}
}

// resize sets the window size of the pty (TIOCSWINSZ on the master), without putting the master
// in blocking mode as Fd() would.
func (x *execution) resize(cols, rows uint16) error {
	rc, err := x.parentIn.SyscallConn()
	if err != nil {
		return fmt.Errorf("exec: resize: %w", err)
	}
	ws := &unix.Winsize{Col: cols, Row: rows}
	cerr := rc.Control(func(fd uintptr) { err = unix.IoctlSetWinsize(int(fd), unix.TIOCSWINSZ, ws) })
	if err = errors.Join(cerr, err); err != nil {
		return fmt.Errorf("exec: resize: %w", err)
	}
	return nil
}
