package probe

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// dial connects a TCP socket created in ns to addr, and returns it as a pollable file; the
// error reads as Go's own dialer's ("dial tcp 10.0.0.5:8080: connect: connection refused",
// "dial tcp 10.0.0.5:8080: i/o timeout"), which is what the kubelet's events show.
func (s *Sockets) dial(ctx context.Context, ns *os.File, addr netip.AddrPort) (*os.File, error) {
	f, err := s.connect(ctx, ns, addr, true)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Addr: net.TCPAddrFromAddrPort(addr), Err: err}
	}
	return f, nil
}

// touch connects to addr from ns and closes the connection: the tcpSocket probe.
func (s *Sockets) touch(ctx context.Context, ns *os.File, addr netip.AddrPort) error {
	f, err := s.connect(ctx, ns, addr, false)
	if err != nil {
		return &net.OpError{Op: "dial", Net: "tcp", Addr: net.TCPAddrFromAddrPort(addr), Err: err}
	}
	if f != nil {
		f.Close()
	}
	return nil
}

// connect connects a socket made in ns to addr. It returns the socket as a file when keep is
// set; otherwise, a connect that completed at once (a local peer) is closed right away, without
// the poller (nil, nil).
func (s *Sockets) connect(ctx context.Context, ns *os.File, addr netip.AddrPort, keep bool) (*os.File, error) {
	m := meterOf(ctx)
	fd, connected, err := s.startConnect(ns, addr, m, true, -1)
	if err != nil {
		return nil, err
	}
	if connected && !keep {
		rawClose(fd)
		return nil, nil
	}
	f := os.NewFile(uintptr(fd), "probe") // non-blocking: Go's poller waits for it
	if connected {
		return f, nil
	}
	Blocking(ctx) // the peer has yet to answer
	if err := waitConnected(ctx, f); err != nil {
		f.Close()
		return nil, err
	}
	m.end()
	return f, nil
}

// startConnect makes a socket in ns and starts connecting it to addr, timed by m (nil: not
// timed), or connects kept, a socket made there before (-1: none). bare: no request follows
// (a tcpSocket probe's connection), and whether the connect is over is looked at here; else
// the caller writes its request at once, which finds that out. connected: the connect is over
// already (a local peer), else it is under way or, when not bare, may be over already.
func (s *Sockets) startConnect(ns *os.File, addr netip.AddrPort, m *connectMeter, bare bool, kept int) (fd int, connected bool, err error) {
	fd = kept
	if fd < 0 {
		if fd, err = s.socket(ns, familyOf(addr)); err != nil {
			return -1, false, err
		}
	}
	// The kubelet's probe dialer sets SO_LINGER to 1 s. On the wire that changes nothing (the
	// close is a FIN either way, and TIME_WAIT stays: only a zero linger, an RST, would skip it);
	// it only makes close(2) block until the FIN is acknowledged, which costs a blocked thread
	// per probe (2-5 times the CPU of the probe, measured). So no linger here.
	//
	// A probe that is not bare (HTTP, grpc) writes its request right after connect. With the
	// handshake's last ACK held back (rawDeferAck), that ACK goes out with the request: one
	// segment fewer, and podd's ACK of the answer too (the connection is then in delayed ACK
	// mode). On a pod's loopback or veth, podd's thread handles each segment both ways. A kept
	// socket had it set for its first probe (an HTTP probe's: kept.go); a tcpSocket probe that
	// takes one clears it: its connection is opened and closed as the kubelet's, with no data.
	switch {
	case !bare && kept < 0:
		rawDeferAck(fd, true)
	case bare && kept >= 0:
		rawDeferAck(fd, false)
	}
	m.begin(fd, s.kernel)
	cerr := rawConnect(fd, addr)
	if cerr != 0 && cerr != unix.EINPROGRESS {
		rawClose(fd)
		return -1, false, os.NewSyscallError("connect", cerr)
	}
	if cerr == unix.EINPROGRESS && (!bare || !rawConnected(fd)) {
		return fd, false, nil
	}
	m.end() // a local peer: the handshake is often over already
	return fd, true, nil
}

// waitConnected waits for a non-blocking connect to finish or fail, until ctx's deadline.
func waitConnected(ctx context.Context, f *os.File) error {
	if d, ok := deadlineOf(ctx); ok {
		_ = f.SetWriteDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = f.SetWriteDeadline(time.Unix(1, 0)) }) // cancelled: give up now
	defer stop()
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var soErr error
	werr := rc.Write(func(fd uintptr) bool {
		if _, err := unix.Getpeername(int(fd)); err == nil {
			return true // connected
		}
		n, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
		switch {
		case err != nil:
			soErr = os.NewSyscallError("getsockopt", err)
		case n != 0:
			soErr = os.NewSyscallError("connect", unix.Errno(n))
		default:
			return false // still connecting
		}
		return true
	})
	if errors.Is(werr, os.ErrDeadlineExceeded) {
		return os.ErrDeadlineExceeded // "i/o timeout"
	}
	if werr != nil {
		return werr
	}
	return soErr
}

// TCPCheck is the tcpSocket handler: the kubelet's tcp prober, a connection opened and closed.
type TCPCheck struct {
	sockets *Sockets
	host    string
	port    int
	timeout time.Duration
}

func (c *TCPCheck) dialHost(t *Target) string { return t.host(c.host) }

func (c *TCPCheck) Check(ctx context.Context, t *Target) Result {
	start := time.Now()
	ctx, m := withMeter(ctx, start.Add(c.timeout))
	r := c.check(ctx, t, start)
	m.fill(&r)
	return r
}

func (c *TCPCheck) check(ctx context.Context, t *Target, start time.Time) Result {
	addr, err := t.addr(ctx, c.host, c.port)
	if err != nil {
		return Result{Outcome: Failure, Output: err.Error(), Took: time.Since(start)}
	}
	if err := c.sockets.touch(ctx, t.NetNS, addr); err != nil {
		return Result{Outcome: Failure, Output: err.Error(), Took: time.Since(start)}
	}
	return Result{Outcome: Success, Took: time.Since(start)}
}

func familyOf(addr netip.AddrPort) int {
	if addr.Addr().Unmap().Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}
