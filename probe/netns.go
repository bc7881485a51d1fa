package probe

import (
	"fmt"
	"log"
	"os"
	"runtime"
	"sync/atomic"
)

// Sockets creates sockets inside network namespaces. A socket belongs to the namespace it was
// created in for its whole life, so only socket(2) needs a thread that joined the pod's
// namespace; the connect and everything after run on any goroutine, through Go's poller. One
// OS thread, locked to a goroutine, does every socket(2) for every pod: it enters the pod's
// namespace, creates the socket and goes back to podd's, a few microseconds each.
type Sockets struct {
	reqs chan sockReq
	home *os.File // podd's network namespace
	// spares are sockets made ahead in pods' namespaces for the probes due (spares.go).
	spares  spares
	entered atomic.Int64 // setns(2) into a pod's namespace so far (tests)
	reused  atomic.Int64 // kept sockets taken by a probe so far (kept.go; tests)
	// kernel gives the kernel's connect times by socket cookie; nil: podd's own timing only.
	kernel ConnectTimes
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
	home, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		panic(fmt.Sprintf("probe: open podd's network namespace: %v", err)) // /proc is podd's precondition
	}
	s := &Sockets{reqs: make(chan sockReq), home: home}
	go s.thread()
	return s
}

// socket returns a non-blocking, close-on-exec TCP socket of family created in ns: from the
// calling goroutine's own thread, locked for the few microseconds it spends in the pod's
// namespace (no hand-off to another thread to wake), or through the socket thread when the
// caller runs on the main thread (see internal/nsthread).
func (s *Sockets) socket(ns *os.File, family int) (int, error) {
	if ns == nil {
		return newTCPSocket(family)
	}
	if fd := s.spares.take(ns, family); fd >= 0 {
		return fd, nil
	}
	runtime.LockOSThread()
	if !onMainThread() {
		fd, err := s.socketIn(ns, family)
		if rerr := rawSetns(s.home); rerr != nil {
			// Stuck in the pod's namespace: this goroutine ends still locked so that the Go
			// runtime discards its thread, and says why.
			if fd >= 0 {
				rawClose(fd)
			}
			panicOnThread(fmt.Errorf("probe: return to podd's network namespace: %w", rerr))
		}
		runtime.UnlockOSThread()
		return fd, err
	}
	runtime.UnlockOSThread()
	reply := make(chan sockReply, 1)
	s.reqs <- sockReq{ns: ns, family: family, reply: reply}
	r := <-reply
	return r.fd, r.err
}

func newTCPSocket(family int) (int, error) {
	return rawSocket(family)
}

// thread serves socket requests from a locked OS thread. Should it fail to return to podd's
// namespace, it exits still locked (the Go runtime then discards the thread) and a new one
// takes over.
func (s *Sockets) thread() {
	runtime.LockOSThread()
	if onMainThread() { // never the main thread (see internal/nsthread)
		go s.thread()
		runtime.UnlockOSThread()
		return
	}
	for req := range s.reqs {
		fd, err := s.socketIn(req.ns, req.family)
		if err := rawSetns(s.home); err != nil {
			if fd >= 0 {
				rawClose(fd)
			}
			req.reply <- sockReply{-1, fmt.Errorf("probe: return to podd's network namespace: %w", err)}
			go s.thread()
			return
		}
		req.reply <- sockReply{fd, err}
	}
}

func (s *Sockets) socketIn(ns *os.File, family int) (int, error) {
	s.entered.Add(1)
	if err := rawSetns(ns); err != nil {
		return -1, fmt.Errorf("probe: enter the pod's network namespace: %w", os.NewSyscallError("setns", err))
	}
	return newTCPSocket(family)
}

// panicOnThread ends the calling goroutine with err. It is only used on a locked thread that
// could not leave a pod's namespace: Goexit leaves it locked, so the thread goes too. The
// probe worker running it is replaced (Scheduler.worker).
func panicOnThread(err error) {
	log.Printf("%v: dropping the thread", err)
	runtime.Goexit()
}
