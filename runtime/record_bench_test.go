package runtime

import (
	"os"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// BenchmarkFirstRecord is the record an apply writes into its new pod directory (record): the
// directory, the in-progress marker and the first pod.json, then their removal as a delete
// does, per op; "write" stores the record with write's temporary file and rename, "writeNew"
// straight into the new directory (what record does). It reports the CPU time per op.
func BenchmarkFirstRecord(b *testing.B) {
	for _, how := range []string{"write", "writeNew"} {
		b.Run(how, func(b *testing.B) {
			rt := &Runtime{opts: Options{Root: b.TempDir()}}
			in := &corev1.Pod{}
			in.Name, in.Namespace = "web", "default"
			in.Spec.Containers = []corev1.Container{{Name: "c", Image: "/nonexistent", Command: []string{"sleep", "3600"}}}
			cpu0 := cpuTime(b)
			for b.Loop() {
				p := rt.newPod(in)
				if err := os.MkdirAll(p.dir(), 0o700); err != nil {
					b.Fatal(err)
				}
				if err := p.markApplying(); err != nil {
					b.Fatal(err)
				}
				store := p.writeNew
				if how == "write" {
					store = func() error { return p.write(false) }
				}
				if err := store(); err != nil {
					b.Fatal(err)
				}
				if err := removeRecordLast(p.dir()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(b.N), "cpu-us/op")
		})
	}
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
