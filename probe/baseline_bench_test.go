package probe

import (
	"errors"
	"net/netip"
	"runtime"
	"unsafe"

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
// system calls with nothing else (no scheduler, no epoll, no parsing), on one locked thread.
// "tcp": socket, connect, close, blocking, back to back. "http": socket, connect, write the GET,
// read until the server's close, close, blocking. "http-batch": 50 at a time as a tick's
// probes, without blocking, the answer read once it is there (as podd judges it, without
// waiting for the close); "-paced" at podd's rate (a batch every Granularity: 1000 a second),
// the fair comparison for BenchmarkHTTPProbes1000PerSecond. "http-uring": "http-batch" with
// each probe's connect, send and receive linked in one io_uring submission for the 50, and the
// closes in another (uring_floor_test.go). cpu-ns/probe is the process's CPU (the server runs
// in another process).
func BenchmarkFloor(b *testing.B) {
	port := startHelperServer(b, "http")
	addr := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
	req := []byte("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:" + strconv.Itoa(port) + "\r\nUser-Agent: kube-probe/1.34\r\nAccept: */*\r\nConnection: close\r\n\r\n")
	b.Run("http-batch", func(b *testing.B) { floorBatches(b, addr, req, false) })
	b.Run("http-batch-paced", func(b *testing.B) { floorBatches(b, addr, req, true) })
	b.Run("http-reuse-paced", func(b *testing.B) { floorReuse(b, addr, req, false) })
	b.Run("http-reuse-deferack-paced", func(b *testing.B) { floorReuse(b, addr, req, true) })
	b.Run("http-uring", func(b *testing.B) { floorURing(b, addr, req, false) })
	b.Run("http-uring-paced", func(b *testing.B) { floorURing(b, addr, req, true) })
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
	if _, e := rawSend(fd, req); e != 0 {
		b.Fatal(e)
	}
	for {
		n, e := rawRecv(fd, buf)
		if e != 0 {
			b.Fatal(e)
		}
		if n == 0 {
			return
		}
	}
}

// floorBatches is the "http" floor made 50 at a time, as a tick's probes: 50 connections made
// and their requests written; then, after each sleep of 1 ms (the server answers meanwhile),
// each answer there read without blocking and its socket closed. No thread sleeps per probe.
func floorBatches(b *testing.B, addr netip.AddrPort, req []byte, paced bool) {
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
		if _, e := rawSend(int(fd), req); e != 0 {
			b.Fatal("write: ", e)
		}
		if fds = append(fds, int(fd)); len(fds) < cap(fds) {
			continue
		}
		for len(fds) > 0 {
			time.Sleep(time.Millisecond)
			rest := fds[:0]
			for _, fd := range fds {
				if floorAnswered(fd, buf) {
					rawClose(fd)
				} else {
					rest = append(rest, fd)
				}
			}
			fds = rest
			n++
		}
		if paced {
			time.Sleep(time.Until(time.Now().Truncate(Granularity).Add(Granularity)))
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/probe")
	b.ReportMetric(float64(n)/float64(b.N)*50, "passes/batch")
}

// floorReuse is "http-batch-paced" with 50 sockets made once and used again (kept.go): each
// probe's socket disconnected (connect to AF_UNSPEC) once its answer is read, instead of
// closed, and connected again by the next batch.
func floorReuse(b *testing.B, addr netip.AddrPort, req []byte, deferAck bool) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	buf := make([]byte, 4096)
	var pool, fds []int
	for range 50 {
		fd, err := rawSocket(unix.AF_INET)
		if err != nil {
			b.Fatal(err)
		}
		if deferAck {
			rawDeferAck(fd, true)
		}
		pool = append(pool, fd)
	}
	defer func() {
		for _, fd := range pool {
			rawClose(fd)
		}
	}()
	cpu0 := cpuTime()
	for b.Loop() {
		fd := pool[len(fds)]
		if e := rawConnect(fd, addr); e != 0 && e != unix.EINPROGRESS {
			b.Fatal(e)
		}
		if _, e := rawSend(fd, req); e != 0 {
			b.Fatal("write: ", e)
		}
		if fds = append(fds, fd); len(fds) < len(pool) {
			continue
		}
		for len(fds) > 0 {
			time.Sleep(time.Millisecond)
			rest := fds[:0]
			for _, fd := range fds {
				if !floorAnswered(fd, buf) {
					rest = append(rest, fd)
				} else if !rawDisconnect(fd) {
					b.Fatal("connect AF_UNSPEC failed")
				}
			}
			fds = rest
		}
		time.Sleep(time.Until(time.Now().Truncate(Granularity).Add(Granularity)))
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/probe")
}

// floorAnswered reads fd's answer (one segment: the server's "ok"): false when it is not there
// yet. As podd, it judges the answer without waiting for the server's close.
func floorAnswered(fd int, buf []byte) bool {
	_, e := rawRecv(fd, buf)
	return e != unix.EAGAIN
}

// floorURing is "http-batch" through io_uring: the 50 sockets made by socket(2), then each
// one's connect, send and receive linked in one submission, the completions waited for, and the
// 50 closes in one more.
func floorURing(b *testing.B, addr netip.AddrPort, req []byte, paced bool) {
	const batch = 50
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r, err := newURing(4 * batch)
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) {
		b.Skip("no io_uring here (kernel.io_uring_disabled, or a kernel without it): ", err)
	}
	if err != nil {
		b.Fatal(err)
	}
	defer r.close()
	sa := unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: addr.Addr().As4()}
	port := (*[2]byte)(unsafe.Pointer(&sa.Port))
	port[0], port[1] = byte(addr.Port()>>8), byte(addr.Port())
	bufs := make([][4096]byte, batch)
	fds := make([]int, 0, batch)
	cpu0 := cpuTime()
	for b.Loop() {
		fd, _, e := unix.RawSyscall(unix.SYS_SOCKET, unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if e != 0 {
			b.Fatal(e)
		}
		if fds = append(fds, int(fd)); len(fds) < batch {
			continue
		}
		for i, fd := range fds {
			r.add(uringSQE{Opcode: uringConnect, Flags: uringLink, Fd: int32(fd), Addr: uint64(uintptr(unsafe.Pointer(&sa))), Off: unix.SizeofSockaddrInet4})
			r.add(uringSQE{Opcode: uringSend, Flags: uringLink, Fd: int32(fd), Addr: uint64(uintptr(unsafe.Pointer(&req[0]))), Len: uint32(len(req))})
			r.add(uringSQE{Opcode: uringRecv, Fd: int32(fd), Addr: uint64(uintptr(unsafe.Pointer(&bufs[i][0]))), Len: uint32(len(bufs[i]))})
		}
		uringComplete(b, r, 3*batch, func(c uringCQE) bool { return c.Res >= 0 })
		for _, fd := range fds {
			r.add(uringSQE{Opcode: uringClose, Fd: int32(fd)})
		}
		uringComplete(b, r, batch, func(c uringCQE) bool { return c.Res == 0 })
		fds = fds[:0]
		if paced {
			time.Sleep(time.Until(time.Now().Truncate(Granularity).Add(Granularity)))
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/probe")
	runtime.KeepAlive(&sa)
	runtime.KeepAlive(bufs)
}

// uringComplete submits what r holds and waits for n completions, each of which ok must accept.
func uringComplete(b *testing.B, r *uring, n int, ok func(uringCQE) bool) {
	var bad *uringCQE
	for min := uint32(0); n > 0; min = 1 {
		if err := r.enter(min); err != nil && err != unix.EINTR {
			b.Fatal("io_uring_enter: ", err)
		}
		n -= r.reap(func(c uringCQE) {
			if !ok(c) && bad == nil {
				bad = &c
			}
		})
	}
	if bad != nil {
		b.Fatalf("io_uring: a request failed: %+v (%v)", *bad, unix.Errno(-bad.Res))
	}
}
