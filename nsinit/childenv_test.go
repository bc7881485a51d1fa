package nsinit

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// The test binary run with benchExitVar set exits at once: a Go program's start-up alone.
const benchExitVar = "NSINIT_BENCH_EXIT"

func init() {
	if os.Getenv(benchExitVar) != "" {
		os.Exit(0)
	}
}

// BenchmarkChildStart times exec + Go runtime start-up + exit of a Go program (this test
// binary), with the environment podd-nsinit gets (childEnv) and with none, and reports the
// CPU each start costs: what every container start pays before its mounts.
func BenchmarkChildStart(b *testing.B) {
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  []string
	}{{"empty-env", nil}, {"childEnv", childEnv}} {
		b.Run(tc.name, func(b *testing.B) {
			var cpu time.Duration
			for i := 0; i < b.N; i++ {
				cmd := exec.Command(self)
				cmd.Env = append([]string{benchExitVar + "=1"}, tc.env...)
				if err := cmd.Run(); err != nil {
					b.Fatal(err)
				}
				ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
				cpu += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			}
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}
