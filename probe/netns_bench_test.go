package probe

import (
	"os"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// BenchmarkSetnsRoundTrip: what entering a network namespace and coming back costs a probe
// (two setns(2)), against BenchmarkSocketClose: a TCP socket made and closed.
func BenchmarkSetnsRoundTrip(b *testing.B) {
	ns, err := os.Open("/proc/self/ns/net")
	if err != nil {
		b.Fatal(err)
	}
	defer ns.Close()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for b.Loop() {
		if err := rawSetns(ns); err != nil {
			b.Skip("setns: ", err)
		}
		if err := rawSetns(ns); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSocketClose(b *testing.B) {
	for b.Loop() {
		fd, err := rawSocket(unix.AF_INET)
		if err != nil {
			b.Fatal(err)
		}
		rawClose(fd)
	}
}
