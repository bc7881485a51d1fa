package inflight

import (
	"context"
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// hangupPoll is how often a waiting body's connection is looked at.
const hangupPoll = 200 * time.Millisecond

type connKey struct{}

// WithConn records the connection a request comes on (an http.Server's ConnContext), so that
// a body waiting for its share of a Budget notices its client hang up.
func WithConn(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// untilHangup is ctx, also cancelled once the peer of the request's connection (WithConn) has
// hung up; stop ends the watch.
func untilHangup(ctx context.Context) (_ context.Context, stop func()) {
	c, ok := ctx.Value(connKey{}).(syscall.Conn)
	if !ok {
		return ctx, func() {}
	}
	raw, err := c.SyscallConn()
	if err != nil {
		return ctx, func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		t := time.NewTicker(hangupPoll)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if hungUp(raw) {
					cancel()
					return
				}
			}
		}
	}()
	return ctx, cancel
}

// hungUp: the peer shut its side of the connection (closed it, or died).
func hungUp(raw syscall.RawConn) bool {
	gone := false
	_ = raw.Control(func(fd uintptr) {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLRDHUP}}
		n, err := unix.Poll(fds, 0)
		gone = err == nil && n > 0 && fds[0].Revents&(unix.POLLRDHUP|unix.POLLHUP|unix.POLLERR) != 0
	})
	return gone
}
