package netsetup

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// benchRoot is a fresh tmpfs, like /run where podd pins pod namespaces (and not this machine's
// disk, whose file creates can cost a millisecond).
func benchRoot(b *testing.B) string {
	root := b.TempDir()
	if err := unix.Mount("tmpfs", root, "tmpfs", 0, "mode=0700"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { unix.Unmount(root, unix.MNT_DETACH) })
	return root
}

// BenchmarkCreatePodNS times CreatePodNS. The pods are removed after the timed loop, so the
// kernel's asynchronous destruction of their namespaces does not run alongside; remove-ns/op is
// PodNS.Remove.
func BenchmarkCreatePodNS(b *testing.B) {
	requireNS(b)
	root := benchRoot(b)
	pods := make([]*PodNS, 0, b.N)
	for i := 0; i < b.N; i++ {
		p, err := CreatePodNS(filepath.Join(root, fmt.Sprint(i)), "bench")
		if err != nil {
			b.Fatal(err)
		}
		pods = append(pods, p)
	}
	b.StopTimer()
	start := time.Now()
	for _, p := range pods {
		if err := p.Remove(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N), "remove-ns/op")
}

// BenchmarkPodNSLifecycle is CreatePodNS and Remove in turn: the kernel destroys each namespace
// set while the next is made.
func BenchmarkPodNSLifecycle(b *testing.B) {
	requireNS(b)
	root := benchRoot(b)
	for i := 0; i < b.N; i++ {
		p, err := CreatePodNS(filepath.Join(root, fmt.Sprint(i)), "bench")
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Remove(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDo times joining a pod's namespaces on a fresh thread and coming back.
func BenchmarkDo(b *testing.B) {
	requireNS(b)
	p, err := CreatePodNS(filepath.Join(benchRoot(b), "pod"), "bench")
	if err != nil {
		b.Fatal(err)
	}
	defer p.Remove()
	for i := 0; i < b.N; i++ {
		if err := p.Do(func() error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAttach times Attach to fresh pods (made untimed; IPAM dir on tmpfs), in batches
// under the bridge's 1024 ports. Teardown in podd's order, Remove then Release, is timed apart
// (teardown-ns/op).
func BenchmarkAttach(b *testing.B) {
	requireNS(b)
	n := newNetwork(b)
	root := benchRoot(b)
	n.IPAMDir = filepath.Join(root, "ipam")
	var teardown time.Duration
	for done := 0; done < b.N; {
		batch := min(b.N-done, 256)
		b.StopTimer()
		pods := make([]*PodNS, batch)
		for i := range pods {
			p, err := CreatePodNS(filepath.Join(root, fmt.Sprintf("%08x", done+i)), "bench")
			if err != nil {
				b.Fatal(err)
			}
			pods[i] = p
		}
		b.StartTimer()
		for i, p := range pods {
			if _, err := n.Attach(p, fmt.Sprintf("%08x", done+i)); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		start := time.Now()
		for i, p := range pods {
			if err := p.Remove(); err != nil {
				b.Fatal(err)
			}
			if err := n.Release(fmt.Sprintf("%08x", done+i)); err != nil {
				b.Fatal(err)
			}
		}
		teardown += time.Since(start)
		done += batch
	}
	b.ReportMetric(float64(teardown.Nanoseconds())/float64(b.N), "teardown-ns/op")
}

// BenchmarkLinkLookup compares one look of awaitLinkGone's loop: the ioctl it makes
// (linkExists on one socket) and the netlink LinkByName it used to make.
func BenchmarkLinkLookup(b *testing.B) {
	requireNS(b)
	b.Run("ioctl", func(b *testing.B) {
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			b.Fatal(err)
		}
		defer unix.Close(fd)
		for b.Loop() {
			if ok, err := linkExists(fd, "lo"); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("netlink", func(b *testing.B) {
		for b.Loop() {
			if _, err := netlink.LinkByName("lo"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
