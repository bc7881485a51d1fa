package probe

import (
	"net/netip"
	"runtime"

	"golang.org/x/sys/unix"
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

// BenchmarkFloor is what the kernel alone asks of a prober on this machine: each probe's
// system calls made back to back on one locked thread, blocking, with nothing else (no
// scheduler, no epoll, no parsing beyond finding the end of the answer). "tcp": socket,
// connect, close. "http": socket, connect, write the GET, read until the answer's end (the
// server's close), close. Its cpu-ns/probe is the least a probe of that kind can cost in podd's
// process here; the probe benchmarks' figures compare with it.
func BenchmarkFloor(b *testing.B) {
	port := startHelperServer(b, "http")
	addr := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
	req := []byte("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:" + strconv.Itoa(port) + "\r\nUser-Agent: kube-probe/1.34\r\nAccept: */*\r\nConnection: close\r\n\r\n")
	b.Run("http-batch", func(b *testing.B) { floorBatches(b, addr, req) })
	for _, kind := range []string{"tcp", "http"} {
		b.Run(kind, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			buf := make([]byte, 4096)
			cpu0 := cpuTime()
			for b.Loop() {
				fd, _, e := unix.RawSyscall(unix.SYS_SOCKET, unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
				if e != 0 {
					b.Fatal(e)
				}
				if e := rawConnect(int(fd), addr); e != 0 {
					b.Fatal(e)
				}
				if kind == "http" {
					floorExchange(b, int(fd), req, buf)
				}
				rawClose(int(fd))
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/probe")
		})
	}
}

// floorExchange writes req on fd and reads until the server closes.
func floorExchange(b *testing.B, fd int, req, buf []byte) {
	if _, e := rawWrite(fd, req); e != 0 {
		b.Fatal(e)
	}
	for {
		n, e := rawRead(fd, buf)
		if e != 0 {
			b.Fatal(e)
		}
		if n == 0 {
			return
		}
	}
}

// floorBatches is the "http" floor made 50 at a time, as a tick's probes: 50 connections made
// and their requests written, one sleep of 2 ms (the servers answer meanwhile), then each
// answer read to its end without blocking and the socket closed. No thread sleeps per probe.
func floorBatches(b *testing.B, addr netip.AddrPort, req []byte) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	buf := make([]byte, 4096)
	fds := make([]int, 0, 50)
	cpu0, n := cpuTime(), 0
	for b.Loop() {
		fd, _, e := unix.RawSyscall(unix.SYS_SOCKET, unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
		if e != 0 {
			b.Fatal(e)
		}
		if e := rawConnect(int(fd), addr); e != 0 && e != unix.EINPROGRESS {
			b.Fatal(e)
		}
		if _, e := rawWrite(int(fd), req); e != 0 {
			b.Fatal("write: ", e)
		}
		if fds = append(fds, int(fd)); len(fds) < cap(fds) {
			continue
		}
		time.Sleep(2 * time.Millisecond)
		for len(fds) > 0 {
			rest := fds[:0]
			for _, fd := range fds {
				if floorDrained(fd, buf) {
					rawClose(fd)
				} else {
					rest = append(rest, fd)
				}
			}
			fds = rest
			n++
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/probe")
	b.ReportMetric(float64(n)/float64(b.N)*50, "passes/batch")
}

// floorDrained reads fd until the server's close: false when the rest is not there yet.
func floorDrained(fd int, buf []byte) bool {
	for {
		n, e := rawRead(fd, buf)
		switch {
		case e == unix.EAGAIN:
			return false
		case e != 0 || n == 0:
			return true
		}
	}
}
