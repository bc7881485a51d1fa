package probe

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// fakeKernel answers every cookie it was given a time for.
type fakeKernel map[uint64]time.Duration

func (k fakeKernel) Register(uint64) error                 { return nil }
func (k fakeKernel) Lookup(c uint64) (time.Duration, bool) { d, ok := k[c]; return d, ok }

// TestConnectTimeMeasured: a TCP probe's result carries podd's connect time, and the kernel's
// when its source knows the socket's cookie.
func TestConnectTimeMeasured(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	target := &Target{PodIP: "127.0.0.1", Container: &corev1.Container{Name: "c"}}
	r := check(t, &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt(port)}}}, target)
	if r.Outcome != Success || r.Connect <= 0 || r.Connect > r.Took || r.KernelConnect != 0 {
		t.Fatalf("result %+v: want a success with 0 < connect <= took and no kernel time", r)
	}

	s := NewSockets()
	s.kernel = recorder{}
	ctx, m := withMeter(context.Background(), time.Now().Add(time.Second))
	if err := s.touch(ctx, nil, netip.MustParseAddrPort(l.Addr().String())); err != nil {
		t.Fatal(err)
	}
	if m.cookie == 0 {
		t.Fatal("no socket cookie recorded")
	}
	var got Result
	m.fill(&got, fakeKernel{m.cookie: 42 * time.Microsecond})
	if got.KernelConnect != 42*time.Microsecond || got.Connect <= 0 {
		t.Fatalf("filled %+v, want kernel 42µs and podd's time", got)
	}
}

// recorder only makes the sockets read cookies.
type recorder struct{}

func (recorder) Register(uint64) error               { return nil }
func (recorder) Lookup(uint64) (time.Duration, bool) { return 0, false }
