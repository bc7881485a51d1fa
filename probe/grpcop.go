package probe

import (
	"errors"
	"io"
	"net/netip"
	"os"
	"slices"
	"sync"

	"golang.org/x/sys/unix"
	"google.golang.org/grpc/codes"
)

// A grpc probe as a netOp (netloop.go): its Check written at once on the new connection, the
// server's frames read as they come and parsed again from the start each time a frame is
// complete (an answer is a few hundred bytes in a few frames) until the call's end, with the
// Checker's texts (grpc.go). A server cannot make that parsing costly: an answer is held up to
// grpcMaxAnswer bytes and parsed at most grpcMaxParses times.

// grpcOp is the grpc side of a netOp: the answer to its Check read so far.
type grpcOp struct {
	check   *GRPCCheck
	buf     *[]byte // the answer so far (grpcBufs); nil before its first byte
	acked   int     // how many of the server's SETTINGS frames were acknowledged
	scanned int     // where the complete frames of buf end
	frames  int     // how many there are
	judged  int     // how many there were at the last parse
	parses  int
	pending pendingReader
}

// grpcBufs hold grpc answers as read; one grows for a long answer, up to grpcMaxAnswer.
var grpcBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// grpcMaxAnswer is how much of an answer a probe holds at most: headers, a message and
// trailers at their limits, and frames around them.
const grpcMaxAnswer = grpcMaxHeaders + grpcMaxMessage + 4*grpcMaxFrame

// grpcMaxParses is how many times an answer is parsed at most: a grpc-go server's is five or
// six frames (SETTINGS, WINDOW_UPDATE, PING, HEADERS, DATA, trailers), each parse needs one
// more complete.
const grpcMaxParses = 16

// Why a probe stops reading an answer that has not ended.
var (
	errAnswerTooLarge = errors.New("the answer is larger than a probe reads")
	errAnswerTooSplit = errors.New("the answer came in more frames than a probe reads")
)

func (c *GRPCCheck) newOp(t *Target) *netOp {
	ip, err := netip.ParseAddr(t.host(""))
	if err != nil {
		return nil // a name to look up: the Checker's way
	}
	addr := netip.AddrPortFrom(ip, uint16(c.port))
	op := newNetOp(c.sockets, addr, c.timeout)
	op.grpcRun = grpcOp{check: c}
	op.grpc, op.req = &op.grpcRun, c.requestFor(addr)
	return op
}

// step reads what the socket has and judges the answer; true when the call is over.
func (g *grpcOp) step(op *netOp) bool {
	for {
		if g.buf == nil {
			g.buf = grpcBufs.Get().(*[]byte)
		}
		b := *g.buf
		if len(b) == cap(b) {
			if cap(b) >= grpcMaxAnswer {
				return g.judge(op, b, errAnswerTooLarge)
			}
			b = slices.Grow(b, cap(b))
		}
		n, e := rawRecv(op.fd, b[len(b):cap(b)])
		var end error
		switch {
		case e == unix.EAGAIN:
			if len(b) == 0 {
				g.release()
			}
			return false
		case e == unix.EINTR:
			continue
		case e != 0:
			end, n = &os.PathError{Op: "read", Path: "probe", Err: e}, 0 // as os.File's
		case n == 0:
			end = io.EOF
		}
		*g.buf = b[:len(b)+n]
		if oversize := g.scan(*g.buf); end == nil && !oversize && g.frames == g.judged {
			continue // no new frame: nothing new to parse
		}
		g.judged, g.parses = g.frames, g.parses+1
		if end == nil && g.parses == grpcMaxParses {
			end = errAnswerTooSplit
		}
		if g.judge(op, *g.buf, end) {
			return true
		}
	}
}

// scan counts the frames of b complete past those counted before. oversize: the next frame's
// header says it is larger than a probe reads (parsing fails on that header).
func (g *grpcOp) scan(b []byte) (oversize bool) {
	for len(b)-g.scanned >= 9 {
		h := b[g.scanned:]
		n := int(h[0])<<16 | int(h[1])<<8 | int(h[2])
		if n > grpcMaxFrame {
			return true
		}
		if len(h) < 9+n {
			return false
		}
		g.scanned += 9 + n
		g.frames++
	}
	return false
}

// judge parses the answer read so far (end: how reading it ended, nil when more may come);
// true when the call is over and op has its result.
func (g *grpcOp) judge(op *netOp, read []byte, end error) bool {
	w := ackWriter{fd: op.fd, skip: g.acked}
	g.pending = pendingReader{b: read, end: end}
	status, err := readHealth(&g.pending, &w)
	g.pending = pendingReader{}
	g.acked += w.sent
	if errors.Is(err, errNeedMore) {
		return false
	}
	g.release()
	o, out := g.check.outcome(status, err)
	op.finish(Result{Outcome: o, Output: out})
	return true
}

// timedOut ends the call at its deadline, as the Checker's would have.
func (g *grpcOp) timedOut(op *netOp) {
	if !op.connected {
		g.fail(op, dialError(op.addr, os.ErrDeadlineExceeded))
		return
	}
	g.release()
	o, out := g.check.outcome(0, &rpcStatus{codes.DeadlineExceeded, "context deadline exceeded"})
	op.finish(Result{Outcome: o, Output: out})
}

// fail ends the call with err: its connect failed, or writing the Check did.
func (g *grpcOp) fail(op *netOp, err error) {
	g.release()
	if !op.connected {
		op.finish(Result{Outcome: Failure, Output: g.check.connectError(op.addr, err).Error()})
		return
	}
	_, out := g.check.outcome(0, connError("transport: failed to write the request: "+err.Error()))
	op.finish(Result{Outcome: Failure, Output: out})
}

func (g *grpcOp) release() {
	if g.buf != nil {
		*g.buf = (*g.buf)[:0]
		if cap(*g.buf) <= 64<<10 {
			grpcBufs.Put(g.buf)
		}
		g.buf = nil
	}
}

// ackWriter writes the server's SETTINGS acknowledgements on fd, but the first skip of them:
// sent on an earlier parse of the same answer.
type ackWriter struct {
	fd         int
	skip, sent int
}

func (w *ackWriter) Write(p []byte) (int, error) {
	if w.skip > 0 {
		w.skip--
		return len(p), nil
	}
	for {
		n, e := rawSend(w.fd, p)
		switch {
		case e == unix.EINTR:
			continue
		case e != 0:
			return 0, &os.PathError{Op: "write", Path: "probe", Err: e}
		case n < len(p):
			return n, io.ErrShortWrite
		}
		w.sent++
		return n, nil
	}
}
