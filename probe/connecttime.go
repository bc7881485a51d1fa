package probe

import (
	"context"
	"os"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ConnectTimes is a kernel source of connect times: the time from SYN sent to ESTABLISHED of the
// socket with a cookie (SO_COOKIE), as the kernel saw it (bpf/probelat). Register is called
// before connect(2); Lookup once the probe is done, and forgets the socket: it returns false
// when the socket did not get established.
type ConnectTimes interface {
	Register(cookie uint64) error
	Lookup(cookie uint64) (time.Duration, bool)
}

// SetConnectTimes has the kernel's connect times of k added to every TCP, HTTP and grpc
// probe's result; call it before any probe runs.
func (d *Dialer) SetConnectTimes(k ConnectTimes) {
	d.sockets.kernel = k
}

// connectMeter records a probe run's last TCP connection: how long podd waited from connect(2)
// to the socket being writable, and the socket's cookie for the kernel's figure.
//
// It also carries the run's deadline: TCP and HTTP probes arm no timer of their own (a context
// WithTimeout each), the socket's deadline is set from it when the probe has to wait.
type connectMeter struct {
	deadline time.Time
	mu       sync.Mutex
	start    time.Time
	took     time.Duration
	cookie   uint64
	done     bool
}

type meterKey struct{}

// withMeter returns ctx carrying a new meter for one probe run, which ends at deadline.
func withMeter(ctx context.Context, deadline time.Time) (context.Context, *connectMeter) {
	m := &connectMeter{deadline: deadline}
	return context.WithValue(ctx, meterKey{}, m), m
}

// deadlineOf is when the probe run of ctx ends: its meter's deadline or ctx's, the earlier.
func deadlineOf(ctx context.Context) (time.Time, bool) {
	d, ok := ctx.Deadline()
	if m := meterOf(ctx); m != nil && !m.deadline.IsZero() && (!ok || m.deadline.Before(d)) {
		return m.deadline, true
	}
	return d, ok
}

// withDeadline is ctx ending at the probe run's deadline, for what waits on a context (a DNS
// lookup).
func withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if d, ok := deadlineOf(ctx); ok {
		return context.WithDeadline(ctx, d)
	}
	return context.WithCancel(ctx)
}

func meterOf(ctx context.Context) *connectMeter {
	m, _ := ctx.Value(meterKey{}).(*connectMeter)
	return m
}

// begin is called just before connect(2) of fd; with k, the socket's cookie is registered for
// the kernel's timing. A run that dials again (an HTTP redirect) forgets the earlier socket.
func (m *connectMeter) begin(fd int, k ConnectTimes) {
	if m == nil {
		return
	}
	var c uint64
	if k != nil {
		if c, _ = socketCookie(fd); c != 0 && k.Register(c) != nil {
			c = 0
		}
		m.forget(k)
	}
	m.mu.Lock()
	m.start, m.took, m.cookie, m.done = time.Now(), 0, c, false
	m.mu.Unlock()
}

// end is called once the connection is established.
func (m *connectMeter) end() {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.took, m.done = time.Since(m.start), true
	m.mu.Unlock()
}

// fill sets r's connect times from the meter: podd's, and the kernel's from k when it has it.
// The socket is forgotten by k either way.
func (m *connectMeter) fill(r *Result, k ConnectTimes) {
	m.mu.Lock()
	took, cookie, done := m.took, m.cookie, m.done
	m.cookie = 0
	m.mu.Unlock()
	var kernel time.Duration
	if k != nil && cookie != 0 {
		kernel, _ = k.Lookup(cookie)
	}
	if done {
		r.Connect, r.KernelConnect = took, kernel
	}
}

// forget drops the registration of the meter's earlier socket.
func (m *connectMeter) forget(k ConnectTimes) {
	m.mu.Lock()
	cookie := m.cookie
	m.cookie = 0
	m.mu.Unlock()
	if cookie != 0 {
		k.Lookup(cookie)
	}
}

// socketCookie is the socket's cookie (SO_COOKIE), the id the kernel's tracepoints give it.
func socketCookie(fd int) (uint64, error) {
	var v uint64
	n := uint32(unsafe.Sizeof(v))
	_, _, e := unix.RawSyscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_SOCKET, unix.SO_COOKIE, uintptr(unsafe.Pointer(&v)), uintptr(unsafe.Pointer(&n)), 0)
	if e != 0 {
		return 0, os.NewSyscallError("getsockopt", e)
	}
	return v, nil
}
