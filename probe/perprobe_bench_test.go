package probe

import (
	"context"
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// benchmarkProbe runs one probe after another on the calling goroutine (no scheduler): the cost
// of the per-probe path itself, in CPU (podd's, kernel included) and allocations per probe. As
// root the socket is made in a network namespace entered for it (podd's own here), as for a pod.
func benchmarkProbe(b *testing.B, handler corev1.ProbeHandler) {
	startHelperFor(b, &handler)
	p := &corev1.Probe{ProbeHandler: handler}
	SetDefaults(p)
	target := &Target{PodIP: "127.0.0.1"}
	if os.Geteuid() == 0 {
		ns, err := os.Open("/proc/self/ns/net")
		if err != nil {
			b.Fatal(err)
		}
		defer ns.Close()
		target.NetNS = ns
	}
	c := NewDialer().Checker(p, target)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		if r := c.Check(ctx, target); r.Outcome != Success {
			b.Fatalf("%v: %s", r.Outcome, r.Output)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/probe")
}

func BenchmarkTCPProbe(b *testing.B) {
	benchmarkProbe(b, corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{}})
}

func BenchmarkHTTPProbe(b *testing.B) {
	benchmarkProbe(b, corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz"}})
}

func BenchmarkGRPCProbe(b *testing.B) {
	benchmarkProbe(b, corev1.ProbeHandler{GRPC: &corev1.GRPCAction{}})
}
