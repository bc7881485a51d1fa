package netsetup

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// benchRoot is a fresh tmpfs, like /run where podd pins pod namespaces (and not this machine's
// disk, whose file creates can cost a millisecond).
func benchRoot(b testing.TB) string {
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
func BenchmarkAttach(b *testing.B) { benchAttach(b, false) }

// BenchmarkAttachDualStack is BenchmarkAttach on a dual-stack network (an IPv6 address, route
// and lease more per pod).
func BenchmarkAttachDualStack(b *testing.B) { benchAttach(b, true) }

func benchAttach(b *testing.B, dual bool) {
	requireNS(b)
	n := newNetwork(b)
	if dual {
		n.Subnet6 = mustCIDR(b, "fd77::/64")
		if err := n.Setup(); err != nil {
			b.Fatal(err)
		}
	}
	root := benchRoot(b)
	n.IPAMDir = filepath.Join(root, "ipam")
	var teardown, cpu time.Duration
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
		cpu0 := processCPU()
		for i, p := range pods {
			if _, err := n.Attach(p, fmt.Sprintf("%08x", done+i)); err != nil {
				b.Fatal(err)
			}
		}
		cpu += processCPU() - cpu0
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
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// processCPU is the user and system CPU time of this process so far (getrusage): the attach's
// own cost, apart from the waits a loaded machine adds to its wall time. Kernel work done
// elsewhere (kworkers) is not in it.
func processCPU() time.Duration {
	var ru unix.Rusage
	_ = unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
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

// BenchmarkAttachAtPods times one pod's attach and release with 0 and 1000 other pods' network
// namespaces present: it must not grow with them (a /proc/sys lookup per attach did: it compares
// one dentry per network namespace).
func BenchmarkAttachAtPods(b *testing.B) {
	requireNS(b)
	for _, others := range []int{0, 1000} {
		b.Run(fmt.Sprintf("pods=%d", others), func(b *testing.B) {
			n := newNetwork(b)
			root := benchRoot(b)
			n.IPAMDir = filepath.Join(root, "ipam")
			for i := 0; i < others; i++ {
				p, err := CreatePodNS(filepath.Join(root, fmt.Sprintf("o%d", i)), "bench")
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { p.Remove() })
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p, err := CreatePodNS(filepath.Join(root, fmt.Sprintf("p%d", i)), "bench")
				if err != nil {
					b.Fatal(err)
				}
				if _, err := n.Attach(p, "0000beef"); err != nil {
					b.Fatal(err)
				}
				must(b, p.Remove())
				must(b, n.Release("0000beef"))
			}
		})
	}
}

// BenchmarkIPv6Off compares the two ways to keep IPv6 off a new pod's link, with 0 and 1000
// pods' network namespaces on the host: the disable_ipv6 sysctl (the first lookup of its
// /proc/sys path in a network namespace compares the dentries every other namespace made for
// it) and the netlink address generation mode noLinkLocal sets.
func BenchmarkIPv6Off(b *testing.B) {
	requireNS(b)
	ways := map[string]func(netlink.Link) error{
		"sysctl": func(netlink.Link) error {
			return os.WriteFile("/proc/sys/net/ipv6/conf/d0/disable_ipv6", []byte("1"), 0)
		},
		"netlink": func(link netlink.Link) error {
			h, err := netlink.NewHandle(unix.NETLINK_ROUTE) // in the pod's namespace, as Attach's
			if err != nil {
				return err
			}
			defer h.Close()
			return noLinkLocal(h, link)
		},
	}
	for _, others := range []int{0, 1000} {
		root := benchRoot(b)
		for i := 0; i < others; i++ {
			p, err := CreatePodNS(filepath.Join(root, fmt.Sprintf("o%d", i)), "bench")
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { p.Remove() })
			// What podd did per pod until it went by netlink.
			must(b, p.Do(func() error {
				return os.WriteFile("/proc/sys/net/ipv6/conf/default/disable_ipv6", []byte("1"), 0)
			}))
		}
		for _, way := range []string{"sysctl", "netlink"} {
			b.Run(fmt.Sprintf("pods=%d/%s", others, way), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					p, err := CreatePodNS(filepath.Join(root, fmt.Sprintf("%s%d", way, i)), "bench")
					if err != nil {
						b.Fatal(err)
					}
					link := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "d0"}, PeerName: "d1"}
					must(b, p.Do(func() error { return netlink.LinkAdd(link) }))
					b.StartTimer()
					must(b, p.Do(func() error { return ways[way](link) }))
					b.StopTimer()
					must(b, p.Remove())
					b.StartTimer()
				}
			})
		}
	}
}
