package probe

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// Sockets creates sockets inside network namespaces. A socket belongs to the namespace it was
// created in for its whole life, so only socket(2) needs a thread that joined the pod's
// namespace; the connect and everything after run on any goroutine, through Go's poller. One
// OS thread, locked to a goroutine, does every socket(2) for every pod: it enters the pod's
// namespace, creates the socket and goes back to podd's, a few microseconds each.
type Sockets struct {
	reqs chan sockReq
}

type sockReq struct {
	ns     *os.File // the namespace; nil for podd's own
	family int
	reply  chan sockReply
}

type sockReply struct {
	fd  int
	err error
}

// NewSockets starts the socket thread. It lives as long as podd.
func NewSockets() *Sockets {
	s := &Sockets{reqs: make(chan sockReq)}
	go s.thread()
	return s
}

// socket returns a non-blocking, close-on-exec TCP socket of family created in ns.
func (s *Sockets) socket(ns *os.File, family int) (int, error) {
	if ns == nil {
		return newTCPSocket(family)
	}
	reply := make(chan sockReply, 1)
	s.reqs <- sockReq{ns: ns, family: family, reply: reply}
	r := <-reply
	return r.fd, r.err
}

func newTCPSocket(family int) (int, error) {
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	return fd, nil
}

// thread serves socket requests from a locked OS thread. Should it fail to return to podd's
// namespace, it exits still locked (the Go runtime then discards the thread) and a new one
// takes over.
func (s *Sockets) thread() {
	runtime.LockOSThread()
	if unix.Gettid() == unix.Getpid() { // never the main thread (see internal/nsthread)
		go s.thread()
		runtime.UnlockOSThread()
		return
	}
	home, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		panic(fmt.Sprintf("probe: open own network namespace: %v", err)) // /proc is podd's precondition
	}
	defer home.Close()
	for req := range s.reqs {
		fd, err := socketIn(req.ns, req.family)
		if err := unix.Setns(int(home.Fd()), unix.CLONE_NEWNET); err != nil {
			if fd >= 0 {
				unix.Close(fd)
			}
			req.reply <- sockReply{-1, fmt.Errorf("probe: return to podd's network namespace: %w", err)}
			go s.thread()
			return
		}
		req.reply <- sockReply{fd, err}
	}
}

func socketIn(ns *os.File, family int) (int, error) {
	if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
		return -1, fmt.Errorf("probe: enter the pod's network namespace: %w", os.NewSyscallError("setns", err))
	}
	return newTCPSocket(family)
}
