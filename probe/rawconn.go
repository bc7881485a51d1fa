package probe

import (
	"errors"
	"io"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// rawFile is a probe's plain-text connection: reads and writes are raw system calls on the
// socket (see rawsys.go), made from Go's poller when they would block (RawConn), so that the
// poller still waits and the deadline still holds; only the close goes through the runtime's
// system call path.
type rawFile struct {
	*os.File
	rc          syscall.RawConn
	read, write func(fd uintptr) bool // the calls the poller makes (bound once)
	buf         []byte                // the call's buffer
	n           int                   // bytes read or written by the call
	errno       unix.Errno
}

func newRawFile(f *os.File) (*rawFile, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	r := &rawFile{File: f, rc: rc}
	r.read, r.write = r.readOnce, r.writeAll
	return r, nil
}

func (r *rawFile) readOnce(fd uintptr) bool {
	r.n, r.errno = rawIO(unix.SYS_READ, fd, r.buf)
	return r.errno != unix.EAGAIN
}

func (r *rawFile) writeAll(fd uintptr) bool {
	for r.n < len(r.buf) {
		n, errno := rawIO(unix.SYS_WRITE, fd, r.buf[r.n:])
		if r.errno = errno; errno != 0 {
			return errno != unix.EAGAIN
		}
		r.n += n
	}
	return true
}

func (r *rawFile) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r.buf, r.n, r.errno = p, 0, 0
	err := r.rc.Read(r.read)
	r.buf = nil
	switch {
	case err != nil:
		return 0, err
	case r.errno != 0:
		return 0, &os.PathError{Op: "read", Path: r.Name(), Err: r.errno}
	case r.n == 0:
		return 0, io.EOF
	}
	return r.n, nil
}

func (r *rawFile) Write(p []byte) (int, error) {
	r.buf, r.n, r.errno = p, 0, 0
	err := r.rc.Write(r.write)
	r.buf = nil
	if err == nil && r.errno != 0 {
		err = &os.PathError{Op: "write", Path: r.Name(), Err: r.errno}
	}
	if err == nil && r.n < len(p) {
		err = errors.New("short write")
	}
	return r.n, err
}

// rawIO is read(2) or write(2) of p on fd, EINTR retried.
func rawIO(call, fd uintptr, p []byte) (int, unix.Errno) {
	for {
		n, _, e := unix.RawSyscall(call, fd, uintptr(unsafePointer(p)), uintptr(len(p)))
		if e != unix.EINTR {
			return int(n), e
		}
	}
}
