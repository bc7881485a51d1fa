package podconn

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

// fdReader reads a unix socket and keeps the file descriptors that come with its bytes
// (SCM_RIGHTS): podd hands a port-forward's pod socket over attached to its answer.
type fdReader struct {
	c   *net.UnixConn
	fds []int
}

func (r *fdReader) Read(p []byte) (int, error) {
	oob := make([]byte, syscall.CmsgSpace(4*4))
	n, oobn, _, _, err := r.c.ReadMsgUnix(p, oob) // MSG_CMSG_CLOEXEC on Linux
	if oobn > 0 {
		msgs, perr := syscall.ParseSocketControlMessage(oob[:oobn])
		for _, m := range msgs {
			fds, _ := syscall.ParseUnixRights(&m)
			r.fds = append(r.fds, fds...)
		}
		if perr != nil && err == nil {
			err = fmt.Errorf("read podd's answer: %w", perr)
		}
	}
	return n, err
}

// takeConn makes the one descriptor received into a connection (a TCP socket: *net.TCPConn).
func (r *fdReader) takeConn() (ForwardConn, error) {
	if len(r.fds) != 1 {
		return nil, fmt.Errorf("podd handed over %d sockets, want 1", len(r.fds))
	}
	f := os.NewFile(uintptr(r.fds[0]), "pod socket")
	r.fds = nil
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("pod socket: %w", err)
	}
	fc, ok := c.(ForwardConn)
	if !ok {
		c.Close()
		return nil, errors.New("pod socket: not a stream connection")
	}
	return fc, nil
}

// closeFDs closes descriptors received and not taken.
func (r *fdReader) closeFDs() {
	for _, fd := range r.fds {
		syscall.Close(fd)
	}
	r.fds = nil
}
