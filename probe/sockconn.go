package probe

import (
	"errors"
	"io"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// sockConn is a probe's TCP connection: the socket file, read and written with raw system
// calls (rawsys.go) from inside Go's poller (RawConn), which waits when the socket is not ready.
// os.File's own Read and Write go through the runtime's syscall path, which wakes the
// runtime's monitor thread. (A read is always tried before waiting: the poller forgets the
// readiness it saw before a Read starts.)
type sockConn struct {
	f  *os.File
	rc syscall.RawConn
}

func newSockConn(f *os.File) (*sockConn, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	return &sockConn{f: f, rc: rc}, nil
}

func (c *sockConn) Write(b []byte) (int, error) {
	done := 0
	var errno unix.Errno
	err := c.rc.Write(func(fd uintptr) bool {
		for done < len(b) {
			n, e := rawWrite(int(fd), b[done:])
			switch e {
			case 0:
				done += n
			case unix.EINTR:
			case unix.EAGAIN:
				return false // the socket's buffer is full: wait
			default:
				errno = e
				return true
			}
		}
		return true
	})
	return done, fileError("write", err, errno)
}

func (c *sockConn) Read(b []byte) (int, error) {
	n := 0
	var errno unix.Errno
	err := c.rc.Read(func(fd uintptr) bool {
		var e unix.Errno
		n, e = rawRead(int(fd), b)
		switch e {
		case 0:
		case unix.EINTR, unix.EAGAIN:
			return false
		default:
			n, errno = 0, e
		}
		return true
	})
	if err := fileError("read", err, errno); err != nil {
		return 0, err
	}
	if n == 0 && len(b) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// fileError is the error os.File's Read or Write would return ("read probe: i/o timeout",
// "read probe: connection reset by peer").
func fileError(op string, err error, errno unix.Errno) error {
	switch {
	case err == nil && errno == 0:
		return nil
	case err == nil:
		err = errno
	case errors.Is(err, os.ErrClosed):
		err = os.ErrClosed
	}
	return &os.PathError{Op: op, Path: "probe", Err: err}
}

func (c *sockConn) Close() error                  { return c.f.Close() }
func (c *sockConn) SetDeadline(t time.Time) error { return c.f.SetDeadline(t) }
