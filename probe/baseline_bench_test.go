package probe

import (
	"context"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// BenchmarkBaselineDial is the floor the probe benchmarks compare with: Go's own net.Dial and
// Close to the helper server at 1000 a second from one goroutine, no scheduler, no netns.
func BenchmarkBaselineDial1000PerSecond(b *testing.B) {
	addr := "127.0.0.1:" + strconv.Itoa(startHelperServer(b))
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	b.ResetTimer()
	cpu0, wall0 := cpuTime(), time.Now()
	for range b.N {
		<-tick.C
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	b.ReportMetric(float64(cpu)/float64(wall)*100, "%cpu")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/probe")
}

// BenchmarkTCPCheckLoop is one TCP check after another, through the pod-namespace path as
// root: the cost of a check without the scheduler, to compare with BenchmarkDialLoop.
func BenchmarkTCPCheckLoop(b *testing.B) {
	port := startHelperServer(b)
	p := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt(port)}}}
	SetDefaults(p)
	target := &Target{PodIP: "127.0.0.1"}
	if os.Geteuid() == 0 && os.Getenv("PROBE_BENCH_NO_NETNS") == "" {
		ns, err := os.Open("/proc/self/ns/net")
		if err != nil {
			b.Fatal(err)
		}
		defer ns.Close()
		target.NetNS = ns
	}
	c := NewDialer().Checker(p, target)
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		if r := c.Check(context.Background(), target); r.Outcome != Success {
			b.Fatal(r.Output)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// BenchmarkDialLoop is Go's net.Dial and Close one after another.
func BenchmarkDialLoop(b *testing.B) {
	addr := "127.0.0.1:" + strconv.Itoa(startHelperServer(b))
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}
