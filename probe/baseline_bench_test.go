package probe

import (
	"net"
	"strconv"
	"testing"
	"time"
)

// BenchmarkBaselineDial is the floor the probe benchmarks compare with: Go's own net.Dial and
// Close to the helper server at 1000 a second from one goroutine, no scheduler, no netns.
func BenchmarkBaselineDial1000PerSecond(b *testing.B) {
	addr := "127.0.0.1:" + strconv.Itoa(startHelperServer(b, "http"))
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
