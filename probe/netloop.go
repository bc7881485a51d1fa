package probe

import (
	"context"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The network part of the TCP and HTTP probes runs without a goroutine each and without Go's
// poller: the scheduler's worker draining a tick's probes starts each connection (connect, the
// request written) and adds its socket to the scheduler's own epoll set; once the queue is
// empty, one worker (the waiter) takes the answers of all of them from the set, reads them,
// closes the sockets and records the results: no goroutine parked and woken (and no thread
// woken) per probe.
//
// The set is not in Go's poller. It was, once: but an epoll fd in another epoll set (the
// runtime's) wakes that set's waiter on every new ready socket, so the runtime's poller thread
// woke once per answer, whether the waiter waited or not (an epoll_pwait per probe, measured).
// Instead the waiter blocks in epoll_pwait2 itself for up to blockFor, keeping its P (a raw
// system call: nothing wakes the runtime's monitor thread); a local server answers well
// within that. Probes still under way after it are looked at every sleepStep from a Go timer
// (slow servers, timeouts), so a slow probe holds no P. A prober stopped wakes the waiter (an
// eventfd in the set, and a channel while it sleeps) and its probes under way end at once.

// blockFor is how long the waiter blocks in epoll_pwait2 at most before it sleeps on a timer
// instead; sleepStep, how long it sleeps between looks.
const (
	blockFor  = 2 * time.Millisecond
	sleepStep = 10 * time.Millisecond
)

// netLoop is a scheduler's epoll set of the probes waiting on the network.
type netLoop struct {
	mu     sync.Mutex
	epfd   int // -1 until the first probe (or when epoll could not be had: failed)
	evfd   int // an eventfd in the set: written to wake the waiter early
	failed bool
	ops    map[int32]*netOp // by socket
	wakeAt time.Time        // when the waiter's wait ends at the latest; zero: none waits
	// earliest is no later than the deadline of every op in ops (zero: none), maybe an ended
	// op's (expire sets it right): the waiter looks at every op only when it is reached.
	earliest time.Time
	flagged  bool          // a kick came while no waiter waited: the next wait looks at every op
	kicked   chan struct{} // wakes the waiter while it sleeps
	timer    *time.Timer   // the waiter's sleep
	noPwait2 bool          // the kernel has no epoll_pwait2 (before 5.11): epoll_wait, in ms
	events   [64]unix.EpollEvent
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
	l.epfd, l.evfd, l.ops = epfd, evfd, map[int32]*netOp{}
	l.kicked = make(chan struct{}, 1)
	return true
}

// close closes the set; no probe is under way any more.
func (l *netLoop) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ops != nil {
		unix.Close(l.epfd)
		unix.Close(l.evfd)
		l.ops = nil
		l.failed = true
	}
}

// add has the waiter watch op's socket for events (edge-triggered). The socket goes into the
// set and op into ops under l.mu, together: the waiter, which looks ops up under l.mu, finds
// op for the socket's first event, and never sees op (to end it: stopped, past its deadline)
// before its socket is in the set. A kept socket (published) is in the set already: it is
// re-armed (EPOLL_CTL_MOD: its events looked at again) only when an event came during the dial
// or it needs other events.
func (l *netLoop) add(op *netOp, events uint32) error {
	fd := op.fd
	ev := unix.EpollEvent{Events: events | unix.EPOLLET, Fd: int32(fd)}
	l.mu.Lock()
	e := unix.Errno(0)
	if !op.inSet || op.missed || op.mask != events {
		e = unix.ENOENT
		if op.inSet { // in the set: unless another scheduler's
			_, _, e = unix.RawSyscall6(unix.SYS_EPOLL_CTL, uintptr(l.epfd), unix.EPOLL_CTL_MOD, uintptr(fd), uintptr(unsafe.Pointer(&ev)), 0, 0)
		}
		if e == unix.ENOENT {
			_, _, e = unix.RawSyscall6(unix.SYS_EPOLL_CTL, uintptr(l.epfd), unix.EPOLL_CTL_ADD, uintptr(fd), uintptr(unsafe.Pointer(&ev)), 0, 0)
		}
	}
	op.dialing, op.missed = false, false
	if e == 0 {
		l.ops[int32(fd)], op.mask = op, events
		l.keepEarliest(op)
	} else if l.ops[int32(fd)] == op { // published: out before the waiter sees it not dialing
		delete(l.ops, int32(fd))
	}
	stopped := op.job.p.ctx.Err() != nil // its kick may have come before it was here
	early := !l.wakeAt.IsZero() && (op.deadline.Before(l.wakeAt) || stopped)
	l.flagged = l.flagged || (stopped && l.wakeAt.IsZero())
	l.mu.Unlock()
	if e != 0 {
		return e
	}
	if early {
		l.kick()
	}
	return nil
}

// publish puts op in ops before its dial on a kept socket (in the set already): an event the
// waiter takes meanwhile is noted (op.missed), not lost.
func (l *netLoop) publish(op *netOp) {
	l.mu.Lock()
	l.ops[int32(op.fd)], op.dialing = op, true
	l.keepEarliest(op)
	l.mu.Unlock()
}

// keepEarliest keeps l.earliest no later than op's deadline; l.mu is held.
func (l *netLoop) keepEarliest(op *netOp) {
	if l.earliest.IsZero() || op.deadline.Before(l.earliest) {
		l.earliest = op.deadline
	}
}

// dropped forgets l.earliest once no op is left; l.mu is held.
func (l *netLoop) dropped() {
	if len(l.ops) == 0 {
		l.earliest = time.Time{}
	}
}

// forget takes op, which was published for fd, out of ops.
func (l *netLoop) forget(op *netOp, fd int) {
	if !op.inSet {
		return
	}
	l.mu.Lock()
	if l.ops[int32(fd)] == op {
		delete(l.ops, int32(fd))
		l.dropped()
	}
	op.dialing = false
	l.mu.Unlock()
}

// kick wakes the waiter, if one waits: it looks for probes stopped or past their deadline.
func (l *netLoop) kick() {
	l.mu.Lock()
	waiting := !l.wakeAt.IsZero()
	l.flagged = l.flagged || !waiting
	l.mu.Unlock()
	if waiting {
		one := uint64(1)
		unix.RawSyscall(unix.SYS_WRITE, uintptr(l.evfd), uintptr(unsafe.Pointer(&one)), 8)
		select {
		case l.kicked <- struct{}{}:
		default:
		}
	}
}

// wait waits for some of the probes under way to end (answered, failed, past their deadline or
// stopped) and appends them to done, their sockets closed. It looks without waiting first.
func (l *netLoop) wait(done []*netOp) []*netOp {
	l.mu.Lock()
	if len(l.ops) == 0 { // nothing under way
		l.flagged = false
		l.mu.Unlock()
		return done
	}
	next := l.earliest
	if l.flagged { // a prober stopped before wakeAt was set: its kick woke no one
		next, l.flagged = time.Now(), false
	}
	l.wakeAt = next
	l.mu.Unlock()
	blockUntil := time.Now().Add(blockFor)
	for {
		until := blockUntil
		if next.Before(until) {
			until = next
		}
		var more bool
		done, more = l.poll(done, time.Until(until))
		late := !time.Now().Before(next)
		if more || late { // kicked, or a deadline passed: look at every probe under way
			done = l.expire(done)
		}
		if len(done) > 0 || more || late {
			break
		}
		if time.Now().Before(blockUntil) {
			continue // a signal (EINTR)
		}
		l.sleep(min(sleepStep, time.Until(next)))
	}
	l.mu.Lock()
	l.wakeAt = time.Time{}
	l.mu.Unlock()
	return done
}

// sleep sleeps for d, or until the waiter is kicked.
func (l *netLoop) sleep(d time.Duration) {
	if l.timer == nil {
		l.timer = time.NewTimer(d)
	} else {
		l.timer.Reset(d)
	}
	select {
	case <-l.timer.C:
	case <-l.kicked:
		l.timer.Stop()
	}
}

// poll takes the events there are, waiting up to d for the first (none: d <= 0), and moves
// the probes they concern on. more: there may be more events, or the waiter was kicked.
func (l *netLoop) poll(done []*netOp, d time.Duration) (_ []*netOp, more bool) {
	r, e := l.epollWait(max(d, 0))
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
		if op != nil && op.dialing {
			op.missed, op = true, nil
		}
		l.mu.Unlock()
		if op != nil && op.step(ev.Events) {
			done = l.remove(op, done)
		}
	}
	return done, more
}

// epollWait is epoll_pwait2 with a timeout of d, made raw: the waiter keeps its P meanwhile.
func (l *netLoop) epollWait(d time.Duration) (uintptr, unix.Errno) {
	ev := uintptr(unsafe.Pointer(&l.events[0]))
	if !l.noPwait2 {
		ts := unix.NsecToTimespec(int64(d))
		r, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT2, uintptr(l.epfd), ev, uintptr(len(l.events)), uintptr(unsafe.Pointer(&ts)), 0, 0)
		if e != unix.ENOSYS {
			return r, e
		}
		l.noPwait2 = true
	}
	ms := (d + time.Millisecond - 1) / time.Millisecond
	r, _, e := unix.RawSyscall6(unix.SYS_EPOLL_WAIT, uintptr(l.epfd), ev, uintptr(len(l.events)), uintptr(ms), 0, 0)
	return r, e
}

// expire ends the probes stopped or past their deadline, and sets l.earliest right.
func (l *netLoop) expire(done []*netOp) []*netOp {
	now := time.Now()
	l.mu.Lock()
	var over []*netOp
	l.earliest = time.Time{}
	for _, op := range l.ops {
		// A dialing op is left to add, which kicks the waiter if it is stopped.
		if !op.dialing && (op.job.p.ctx.Err() != nil || !now.Before(op.deadline)) {
			over = append(over, op)
		} else {
			l.keepEarliest(op)
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
	l.dropped()
	l.mu.Unlock()
	op.release()
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
