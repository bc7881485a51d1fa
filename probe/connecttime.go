package probe

import (
	"context"
	"sync"
	"time"
)

// ConnectTimes is a kernel source of connect times: the time from SYN sent to ESTABLISHED of a
// socket podd connected, as the kernel saw it (bpf/probelat). Lookup is called once the
// socket is connected, with its fd; false when the kernel has no time for it.
type ConnectTimes interface {
	Lookup(fd int) (time.Duration, bool)
}

// SetConnectTimes has the kernel's connect times of k added to every TCP, HTTP and grpc
// probe's result; call it before any probe runs.
func (d *Dialer) SetConnectTimes(k ConnectTimes) {
	d.sockets.kernel = k
}

// connectMeter records a probe run's last TCP connection: how long podd waited from connect(2)
// to the socket being writable, and the kernel's figure for the socket.
//
// It also carries the run's deadline: TCP and HTTP probes arm no timer of their own (a context
// WithTimeout each), the socket's deadline is set from it when the probe has to wait.
type connectMeter struct {
	deadline time.Time
	mu       sync.Mutex
	start    time.Time
	took     time.Duration
	kernel   time.Duration
	fd       int
	k        ConnectTimes
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

// begin is called just before connect(2) of fd; with k, the kernel's time is read at the end.
// A run that dials again (an HTTP redirect) starts over.
func (m *connectMeter) begin(fd int, k ConnectTimes) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.start, m.took, m.kernel, m.fd, m.k, m.done = time.Now(), 0, 0, fd, k, false
	m.mu.Unlock()
}

// end is called once the connection is established, its socket still open.
func (m *connectMeter) end() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.took, m.done = time.Since(m.start), true
	if m.k != nil {
		m.kernel, _ = m.k.Lookup(m.fd)
	}
}

// fill sets r's connect times from the meter: podd's, and the kernel's when it had one.
func (m *connectMeter) fill(r *Result) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.done {
		r.Connect, r.KernelConnect = m.took, m.kernel
	}
}
