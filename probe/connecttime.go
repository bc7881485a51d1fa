package probe

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// ConnectTimes is a kernel source of connect times: the time from SYN sent to ESTABLISHED of the
// socket with a cookie (SO_COOKIE), as the kernel saw it (bpf/probelat). Lookup returns false
// when the kernel's figure did not come (yet).
type ConnectTimes interface {
	Lookup(cookie uint64) (time.Duration, bool)
}

// connectMeter records a probe run's last TCP connection: how long podd waited from connect(2)
// to the socket being writable, and the socket's cookie for the kernel's figure.
type connectMeter struct {
	mu     sync.Mutex
	start  time.Time
	took   time.Duration
	cookie uint64
	done   bool
}

type meterKey struct{}

// withMeter returns ctx carrying a new meter for one probe run.
func withMeter(ctx context.Context) (context.Context, *connectMeter) {
	m := &connectMeter{}
	return context.WithValue(ctx, meterKey{}, m), m
}

func meterOf(ctx context.Context) *connectMeter {
	m, _ := ctx.Value(meterKey{}).(*connectMeter)
	return m
}

// begin is called just before connect(2) of fd; cookie reads the socket's cookie (kernel
// timing wanted) or not.
func (m *connectMeter) begin(fd int, cookie bool) {
	if m == nil {
		return
	}
	var c uint64
	if cookie {
		c, _ = socketCookie(fd)
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
func (m *connectMeter) fill(r *Result, k ConnectTimes) {
	m.mu.Lock()
	took, cookie, done := m.took, m.cookie, m.done
	m.mu.Unlock()
	if !done {
		return
	}
	r.Connect = took
	if k != nil && cookie != 0 {
		if d, ok := k.Lookup(cookie); ok {
			r.KernelConnect = d
		}
	}
}

// socketCookie is the socket's cookie (SO_COOKIE), the id the kernel's tracepoints give it.
func socketCookie(fd int) (uint64, error) {
	v, err := unix.GetsockoptUint64(fd, unix.SOL_SOCKET, unix.SO_COOKIE)
	return v, err
}
