package probe

import (
	"context"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The network part of the TCP and HTTP probes runs without a goroutine each and without Go's
// poller: the scheduler's worker draining a tick's probes starts each connection (connect, the
// request written) and adds its socket to the scheduler's own epoll set; once the queue is
// empty, one worker (the waiter) takes the answers of all of them from one epoll_wait, reads
// them, closes the sockets and records the results. At 1000 probes a second, 50 a tick, a
// tick's answers come in one or two wake-ups instead of a goroutine parked and woken (and a
// thread woken) per probe. The waiter waits for the set's own fd in Go's poller, with the
// earliest probe deadline as the read deadline; a prober stopped wakes the waiter (an eventfd
// in the set) and its probes under way end at once.

// netLoop is a scheduler's epoll set of the probes waiting on the network.
type netLoop struct {
	mu     sync.Mutex
	epfd   int // -1 until the first probe (or when epoll could not be had: failed)
	evfd   int // an eventfd in the set: written to wake the waiter early
	failed bool
	file   *os.File         // epfd, in Go's poller
	rc     syscall.RawConn  // file's
	ops    map[int32]*netOp // by socket
	wakeAt time.Time        // when the waiter's epoll_wait ends at the latest; zero: none waits
	events [64]unix.EpollEvent
}

// open makes the epoll set on first use; false when the kernel refused (the probes then run
// as Checkers).
func (l *netLoop) open() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ops != nil || l.failed {
		return !l.failed
	}
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		l.failed = true
		return false
	}
	evfd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err == nil {
		err = unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, evfd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(evfd)})
		if err != nil {
			unix.Close(evfd)
		}
	}
	if err != nil {
		unix.Close(epfd)
		l.failed = true
		return false
	}
	if err = unix.SetNonblock(epfd, true); err == nil {
		l.file = os.NewFile(uintptr(epfd), "probe-epoll") // non-blocking: in Go's poller
		l.rc, err = l.file.SyscallConn()
	}
	if err != nil {
		unix.Close(evfd)
		if l.file != nil {
			l.file.Close()
		} else {
			unix.Close(epfd)
		}
		l.failed = true
		return false
	}
	l.epfd, l.evfd, l.ops = epfd, evfd, map[int32]*netOp{}
	return true
}

// close closes the set; no probe is under way any more.
func (l *netLoop) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ops != nil {
		l.file.Close()
		unix.Close(l.evfd)
		l.ops = nil
		l.failed = true
	}
}

// add has the waiter watch op's socket for events (edge-triggered).
func (l *netLoop) add(op *netOp, events uint32) error {
	l.mu.Lock()
	l.ops[int32(op.fd)] = op // before the socket is in the set: the waiter may see it at once
	early := !l.wakeAt.IsZero() && op.deadline.Before(l.wakeAt)
	l.mu.Unlock()
	ev := unix.EpollEvent{Events: events | unix.EPOLLET, Fd: int32(op.fd)}
	if _, _, e := unix.RawSyscall6(unix.SYS_EPOLL_CTL, uintptr(l.epfd), unix.EPOLL_CTL_ADD, uintptr(op.fd), uintptr(unsafe.Pointer(&ev)), 0, 0); e != 0 {
		l.mu.Lock()
		delete(l.ops, int32(op.fd))
		l.mu.Unlock()
		return e
	}
	if early {
		l.kick()
	}
	return nil
}

// kick wakes the waiter, if one waits: it looks for probes stopped or past their deadline.
func (l *netLoop) kick() {
	l.mu.Lock()
	waiting := !l.wakeAt.IsZero()
	l.mu.Unlock()
	if waiting {
		one := uint64(1)
		unix.RawSyscall(unix.SYS_WRITE, uintptr(l.evfd), uintptr(unsafe.Pointer(&one)), 8)
	}
}

// wait waits for some of the probes under way to end (answered, failed, past their deadline or
// stopped) and appends them to done, their sockets closed. It looks without waiting first.
func (l *netLoop) wait(done []*netOp) []*netOp {
	l.mu.Lock()
	next := time.Time{}
	for _, op := range l.ops {
		if next.IsZero() || op.deadline.Before(next) {
			next = op.deadline
		}
		if op.job.p.ctx.Err() != nil { // stopped before wakeAt was set: no kick comes
			next = time.Now()
			break
		}
	}
	if next.IsZero() { // nothing under way
		l.mu.Unlock()
		return done
	}
	l.wakeAt = next
	l.mu.Unlock()
	// The set's fd waits in Go's poller (a parked goroutine, not a thread blocked in a system
	// call, which would wake the runtime's monitor thread and have it poll every 20 µs for a
	// while): it turns readable when one of its sockets is ready.
	_ = l.file.SetReadDeadline(next)
	more := false
	err := l.rc.Read(func(uintptr) bool {
		done, more = l.poll(done)
		return len(done) > 0 || more
	})
	if err != nil { // the deadline
		done, _ = l.poll(done)
	}
	l.mu.Lock()
	l.wakeAt = time.Time{}
	l.mu.Unlock()
	return done
}

// poll takes the events there are, moves the probes they concern on, and ends those stopped
// or past their deadline. more: there may be more events, or the waiter was kicked.
func (l *netLoop) poll(done []*netOp) (_ []*netOp, more bool) {
	r, _, e := unix.RawSyscall6(unix.SYS_EPOLL_WAIT, uintptr(l.epfd), uintptr(unsafe.Pointer(&l.events[0])), uintptr(len(l.events)), 0, 0, 0)
	n := int(r)
	if e != 0 {
		n = 0 // EINTR: the scan below still runs
	}
	more = n == len(l.events)
	for _, ev := range l.events[:n] {
		if ev.Fd == int32(l.evfd) {
			var v uint64
			unix.RawSyscall(unix.SYS_READ, uintptr(l.evfd), uintptr(unsafe.Pointer(&v)), 8)
			more = true
			continue
		}
		l.mu.Lock()
		op := l.ops[ev.Fd]
		l.mu.Unlock()
		if op != nil && op.step(ev.Events) {
			done = l.remove(op, done)
		}
	}
	return l.expire(done), more
}

// expire ends the probes stopped or past their deadline.
func (l *netLoop) expire(done []*netOp) []*netOp {
	now := time.Now()
	l.mu.Lock()
	var over []*netOp
	for _, op := range l.ops {
		if op.job.p.ctx.Err() != nil || !now.Before(op.deadline) {
			over = append(over, op)
		}
	}
	l.mu.Unlock()
	for _, op := range over {
		op.timedOut()
		done = l.remove(op, done)
	}
	return done
}

// remove forgets op, whose socket is closed now, and appends it to done.
func (l *netLoop) remove(op *netOp, done []*netOp) []*netOp {
	l.mu.Lock()
	delete(l.ops, int32(op.fd))
	l.mu.Unlock()
	rawClose(op.fd)
	op.fd = -1
	return append(done, op)
}

// await waits on the scheduler's loop for runs to end, and ends them: their results recorded,
// their entries scheduled again. s.mu is held, and released meanwhile.
func (w *poolWorker) await() {
	s := w.s
	s.waiting = true
	s.mu.Unlock()
	w.done = s.net.wait(w.done[:0])
	over, gone := w.over[:0], 0
	for _, op := range w.done {
		if op.http != nil && op.http.next {
			if op.redirect(&s.net) {
				continue // under way again, on its redirect's connection
			}
			if op.http.next { // to https: a Checker's way, on a goroutine of its own
				gone++
				go op.followSync(s)
				continue
			}
		}
		over = append(over, op.entry)
		op.end()
	}
	clear(w.done)
	s.mu.Lock()
	s.waiting = false
	s.pending -= len(over) + gone
	for _, e := range over {
		s.finished(e)
	}
	clear(over)
	w.over = over
}

// followSync follows the op's redirect to https as the Checker does, and ends the run.
func (op *netOp) followSync(s *Scheduler) {
	ctx, cancel := context.WithDeadline(op.job.p.ctx, op.deadline)
	defer cancel()
	ctx = context.WithValue(ctx, meterKey{}, &op.meter)
	h := op.http
	op.finish(h.check.follow(ctx, &op.job.p.target, h.u, h.host, h.hops))
	e := op.entry
	op.end()
	s.mu.Lock()
	s.finished(e)
	s.mu.Unlock()
}
