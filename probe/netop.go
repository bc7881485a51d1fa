package probe

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// netOp is a TCP or HTTP probe's run on the scheduler's epoll set (netloop.go): its results
// and texts are the Checker's (tcp.go, http.go).
type netOp struct {
	job       *probeJob
	entry     *Entry
	sockets   *Sockets
	addr      netip.AddrPort
	fd        int
	connected bool
	inSet     bool   // the socket is a kept one (kept.go), in the loop's set already
	mask      uint32 // the events the socket is in the set for
	// dialing and missed are under the loop's mu. dialing: the op is in the loop's ops (a kept
	// socket's) while its dial is under way, and the waiter leaves it alone; missed: an event
	// came meanwhile, which the dial's end looks at again.
	dialing, missed bool
	peerDone        bool // the server closed its end (its FIN came)
	start           time.Time
	deadline        time.Time
	meter           connectMeter
	req             []byte  // the request written on the connection (HTTP, grpc); nil: none
	written         int     // how much of req was written
	http            *httpOp // an httpGet probe: &httpRun
	httpRun         httpOp
	grpc            *grpcOp // a grpc probe: &grpcRun
	grpcRun         grpcOp
	result          Result
}

// netOps are the netOps of runs that ended.
var netOps = sync.Pool{New: func() any { return new(netOp) }}

// end records the op's result and drops the op.
func (op *netOp) end() {
	op.job.end(op.result)
	op.drop()
}

func (op *netOp) drop() {
	*op = netOp{}
	netOps.Put(op)
}

// httpOp is the HTTP side of a netOp: the request for u (Host host) after hops redirects, and
// the answer read so far.
type httpOp struct {
	check   *HTTPCheck
	u       *url.URL
	host    string
	hops    int
	raw     *[]byte // what was read so far (rawBufs); nil before the first byte
	n       int
	next    bool          // the answer is a redirect to follow: u and host are the new ones
	pending pendingReader // what judge reads (here: no allocation per answer)
}

// asyncCheck is a Checker that can run as a netOp.
type asyncCheck interface {
	// newOp is a run of the probe on t as a netOp, nil when it must run as a Checker (a host
	// name to look up, https).
	newOp(t *Target) *netOp
}

func (c *TCPCheck) newOp(t *Target) *netOp {
	ip, err := netip.ParseAddr(t.host(c.host))
	if err != nil {
		return nil
	}
	return newNetOp(c.sockets, netip.AddrPortFrom(ip, uint16(c.port)), c.timeout)
}

func (c *HTTPCheck) newOp(*Target) *netOp {
	if !c.addrOK || c.requestErr != nil {
		return nil
	}
	op := newNetOp(c.sockets, c.addr, c.timeout)
	op.httpRun = httpOp{check: c, u: c.url, host: c.host}
	op.http, op.req = &op.httpRun, c.request
	return op
}

func newNetOp(s *Sockets, addr netip.AddrPort, timeout time.Duration) *netOp {
	op := netOps.Get().(*netOp)
	op.sockets, op.addr, op.fd = s, addr, -1
	op.start = time.Now()
	op.deadline = op.start.Add(timeout)
	op.meter.deadline = op.deadline
	return op
}

// httpAddr is the address of an http URL whose host is an IP address.
func httpAddr(u *url.URL) (netip.AddrPort, bool) {
	ip, err := netip.ParseAddr(u.Hostname())
	if u.Scheme != "http" || err != nil {
		return netip.AddrPort{}, false
	}
	port, _ := strconv.Atoi(u.Port())
	if port == 0 {
		port = 80
	}
	return netip.AddrPortFrom(ip, uint16(port)), true
}

// dial starts the op's connection (connect, and the request written when it connected at
// once) and adds it to l: true. False: the run is over already, op.result says how.
func (op *netOp) dial(l *netLoop) bool {
	// An HTTP or grpc probe writes its request at once: the write says whether the connect is
	// over, instead of getpeername(2).
	kept := op.takeKept(l)
	fd, connected, err := op.sockets.startConnect(op.job.p.target.NetNS, op.addr, &op.meter, op.req == nil, kept)
	if err != nil { // the socket is closed
		l.forget(op, kept)
		op.fail(dialError(op.addr, err))
		return false
	}
	op.fd, op.connected = fd, connected
	if connected && op.req == nil { // a tcpSocket probe: connected, done
		op.abandon(l)
		op.finish(Result{Outcome: Success})
		return false
	}
	if op.req != nil {
		if err := op.write(); err != nil {
			op.abandon(l)
			op.fail(err)
			return false
		}
	}
	events := uint32(unix.EPOLLIN | unix.EPOLLRDHUP)
	if !op.connected || op.written < len(op.req) {
		events |= unix.EPOLLOUT
	}
	if err := l.add(op, events); err != nil {
		op.abandon(l)
		op.fail(os.NewSyscallError("epoll_ctl", err))
		return false
	}
	return true
}

// takeKept takes a kept socket of the op's namespace for its dial, if there is one, and
// publishes the op in l for it (netLoop.publish): the socket is in l's set already. -1: none.
func (op *netOp) takeKept(l *netLoop) int {
	ns := op.job.p.target.NetNS
	if ns == nil {
		return -1
	}
	fd, mask := op.sockets.spares.takeKept(ns, familyOf(op.addr))
	if fd >= 0 {
		op.sockets.reused.Add(1)
		op.fd, op.inSet, op.mask = fd, true, mask
		l.publish(op)
	}
	return fd
}

// abandon closes the op's socket during its dial (the run is over).
func (op *netOp) abandon(l *netLoop) {
	l.forget(op, op.fd)
	rawClose(op.fd)
	op.fd = -1
}

func dialError(addr netip.AddrPort, err error) error {
	return &net.OpError{Op: "dial", Net: "tcp", Addr: net.TCPAddrFromAddrPort(addr), Err: err}
}

// step moves the op on after events on its socket; true when it is over (its socket to close).
func (op *netOp) step(events uint32) bool {
	if events&unix.EPOLLRDHUP != 0 {
		op.peerDone = true
	}
	if !op.connected {
		n, err := unix.GetsockoptInt(op.fd, unix.SOL_SOCKET, unix.SO_ERROR)
		switch {
		case err != nil:
			op.fail(dialError(op.addr, os.NewSyscallError("getsockopt", err)))
			return true
		case n != 0:
			op.fail(dialError(op.addr, os.NewSyscallError("connect", unix.Errno(n))))
			return true
		case events&unix.EPOLLOUT == 0:
			return false // still connecting
		}
		op.connected = true
		op.meter.end()
		if op.req == nil {
			op.finish(Result{Outcome: Success})
			return true
		}
	}
	if err := op.write(); err != nil {
		op.fail(err)
		return true
	}
	if op.written < len(op.req) {
		return false
	}
	if op.grpc != nil {
		return op.grpc.step(op)
	}
	return op.http.step(op)
}

// timedOut ends the op at its deadline (or stopped: its result is not used).
func (op *netOp) timedOut() {
	if op.grpc != nil {
		op.grpc.timedOut(op)
		return
	}
	if !op.connected || op.http == nil {
		op.fail(dialError(op.addr, os.ErrDeadlineExceeded)) // "i/o timeout"
		return
	}
	op.fail(os.ErrDeadlineExceeded)
}

// fail ends the op with err, as the Checker would have.
func (op *netOp) fail(err error) {
	if op.grpc != nil {
		op.grpc.fail(op, err)
		return
	}
	if op.http == nil {
		op.finish(Result{Outcome: Failure, Output: err.Error()})
		return
	}
	op.http.release()
	op.finish(Result{Outcome: Failure, Output: requestError(op.http.u, err)})
}

// finish sets the op's result, with its time and connect times.
func (op *netOp) finish(r Result) {
	r.Took = time.Since(op.start)
	op.meter.fill(&r)
	op.result = r
}

// write writes what is left of the request on op's socket. Before the connect is known to be
// over, a write that goes through says it is, and an error is the connect's.
// write writes what is left of the op's request, as much as the socket takes.
func (op *netOp) write() error {
	for op.written < len(op.req) {
		n, e := rawSend(op.fd, op.req[op.written:])
		switch {
		case e == unix.EAGAIN:
			return nil
		case e == unix.EINTR:
			continue
		case e != 0 && !op.connected:
			return dialError(op.addr, os.NewSyscallError("connect", e))
		case e != 0:
			return &os.PathError{Op: "write", Path: "probe", Err: e} // as os.File's
		}
		op.written += n
		if !op.connected {
			op.connected = true
			op.meter.end()
		}
	}
	return nil
}

// errNeedMore: the answer read so far is not whole.
var errNeedMore = errors.New("probe: more to read")

// rawBufs hold the bytes of answers as read: headers and at most maxBody bytes of body, with
// room for a chunked body's framing.
var rawBufs = sync.Pool{New: func() any { b := make([]byte, maxHeader+maxBody+4<<10); return &b }}

// step writes the request (what is left of it) and reads the answer; true when the op is
// over: judged, or a redirect to follow (h.next).
func (h *httpOp) step(op *netOp) bool {
	for {
		if h.raw == nil {
			h.raw = rawBufs.Get().(*[]byte)
		}
		buf := *h.raw
		eof := h.n == len(buf) // full: the answer is judged on what came
		if !eof {
			n, e := rawRecv(op.fd, buf[h.n:])
			switch {
			case e == unix.EAGAIN:
				if h.n == 0 {
					h.release()
				}
				return false
			case e == unix.EINTR:
				continue
			case e != 0:
				op.fail(&os.PathError{Op: "read", Path: "probe", Err: e})
				return true
			}
			h.n += n
			eof = n == 0
			op.peerDone = op.peerDone || eof
		}
		if h.judge(op, buf[:h.n], eof) {
			return true
		}
	}
}

// judge parses what was read of the answer; true when it is whole (the op is judged, or
// redirected).
func (h *httpOp) judge(op *netOp, read []byte, eof bool) bool {
	dst := respBufs.Get().(*[]byte)
	defer respBufs.Put(dst)
	h.pending = pendingReader{b: read}
	if eof {
		h.pending.end = io.EOF
	}
	res, err := readResponse(&h.pending, *dst)
	h.pending = pendingReader{}
	if errors.Is(err, errNeedMore) {
		return false
	}
	status, loc, body, err := answer(res, err)
	h.release()
	r, next, nextHost := h.check.judge(h.u, h.host, h.hops, status, loc, body, err)
	if next == nil {
		op.finish(r)
		return true
	}
	h.u, h.host, h.hops, h.next = next, nextHost, h.hops+1, true
	return true
}

func (h *httpOp) release() {
	if h.raw != nil {
		rawBufs.Put(h.raw)
		h.raw, h.n = nil, 0
	}
}

// redirect starts the request of the redirect the op was told (its socket closed): true when
// under way in l; false when over (op.result) or to be made by a Checker (h.next still set:
// https).
func (op *netOp) redirect(l *netLoop) bool {
	h := op.http
	addr, ok := httpAddr(h.u)
	if !ok {
		return false
	}
	req, err := h.check.requestFor(h.u, h.host)
	h.next = false
	if err != nil {
		op.fail(err)
		return false
	}
	op.addr, op.connected, op.req, op.written = addr, false, req, 0
	return op.dial(l)
}

// pendingReader reads the bytes of an answer read so far: at their end, end (EOF when the
// connection is at its end, or why reading failed), else errNeedMore.
type pendingReader struct {
	b   []byte
	end error
}

func (r *pendingReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		if r.end != nil {
			return 0, r.end
		}
		return 0, errNeedMore
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// release closes the op's socket, or keeps it for another probe (kept.go): an HTTP probe's
// whose server closed the connection first.
func (op *netOp) release() {
	keep := op.http != nil && op.job.p.target.NetNS != nil
	if keep && !op.peerDone {
		// The answer was whole before the server's FIN came (a server writes its answer, then
		// closes: two segments). It has often come since: one read says (a close costs more).
		var b [1]byte
		n, e := rawRecv(op.fd, b[:])
		op.peerDone = n == 0 && e == 0
	}
	if !keep || !op.peerDone || !op.sockets.spares.keep(op.job.p.target.NetNS, familyOf(op.addr), op.fd, op.mask) {
		rawClose(op.fd)
	}
	op.fd, op.inSet, op.peerDone = -1, false, false
}
