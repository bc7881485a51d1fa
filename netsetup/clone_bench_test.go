package netsetup

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// BenchmarkCloneAtPins times what every container start pays for its mount namespace: a clone
// with CLONE_NEWNS (a copy of the caller's mount namespace) of /bin/true, and its exit (the copy
// torn down), with 0, 100 and 1000 pods' namespaces pinned. It must not grow with the pods.
func BenchmarkCloneAtPins(b *testing.B) {
	requireNS(b)
	for _, n := range []int{0, 100, 1000} {
		b.Run(fmt.Sprintf("pods=%d", n), func(b *testing.B) {
			root := benchRoot(b)
			for i := 0; i < n; i++ {
				p, err := CreatePodNS(filepath.Join(root, fmt.Sprint(i)), "bench")
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { p.Remove() })
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				cmd := exec.Command("/bin/true")
				cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWNS}
				if err := cmd.Run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
