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

// fakeKernel has 42 µs for every socket, and counts the lookups.
type fakeKernel struct{ lookups int }

func (k *fakeKernel) Lookup(int) (time.Duration, bool) {
	k.lookups++
	return 42 * time.Microsecond, true
}

// TestConnectTimeMeasured: a TCP probe's result carries podd's connect time, and the kernel's
// when it has a source, read once.
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
	k := &fakeKernel{}
	s.kernel = k
	ctx, m := withMeter(context.Background(), time.Now().Add(time.Second))
	if err := s.touch(ctx, nil, netip.MustParseAddrPort(l.Addr().String())); err != nil {
		t.Fatal(err)
	}
	var got Result
	m.fill(&got)
	if k.lookups != 1 || got.KernelConnect != 42*time.Microsecond || got.Connect <= 0 {
		t.Fatalf("filled %+v after %d lookups, want kernel 42µs (one lookup) and podd's time", got, k.lookups)
	}
}
