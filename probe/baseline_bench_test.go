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
	req := floorRequest("/healthz", port)
	b.Run("http-batch", func(b *testing.B) { floorBatches(b, addr, req, false) })
	b.Run("http-batch-paced", func(b *testing.B) { floorBatches(b, addr, req, true) })
	b.Run("http-reuse-paced", func(b *testing.B) { b.ReportMetric(floorReuse(b, addr, req, false, b.N), "cpu-ns/probe") })
	b.Run("http-reuse-deferack-paced", func(b *testing.B) { b.ReportMetric(floorReuse(b, addr, req, true, b.N), "cpu-ns/probe") })
	b.Run("tcp-paced", func(b *testing.B) { b.ReportMetric(floorTCP(b, addr, b.N), "cpu-ns/probe") })
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

// floorRequest is the kubelet's GET of path from the helper server at 127.0.0.1:port.
func floorRequest(path string, port int) []byte {
	return []byte("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + strconv.Itoa(port) + "\r\nUser-Agent: kube-probe/1.34\r\nAccept: */*\r\nConnection: close\r\n\r\n")
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
// closed, and connected again by the next batch. It makes n probes and returns their CPU time
// each, in ns.
func floorReuse(tb testing.TB, addr netip.AddrPort, req []byte, deferAck bool, n int) float64 {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	buf := make([]byte, 4096)
	var pool, fds []int
	for range 50 {
		fd, err := rawSocket(unix.AF_INET)
		if err != nil {
			tb.Fatal(err)
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
	for range n {
		fd := pool[len(fds)]
		if e := rawConnect(fd, addr); e != 0 && e != unix.EINPROGRESS {
			tb.Fatal(e)
		}
		floorSend(tb, fd, req)
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
					tb.Fatal("connect AF_UNSPEC failed")
				}
			}
			fds = rest
		}
		time.Sleep(time.Until(time.Now().Truncate(Granularity).Add(Granularity)))
	}
	return float64(cpuTime()-cpu0) / float64(n)
}

// floorTCP is the tcpSocket probe's floor at podd's pace: 50 sockets a tick made, connected
// (on loopback the handshake is over when connect returns, as podd's rawConnected finds) and
// closed. It makes n probes and returns their CPU time each, in ns.
func floorTCP(tb testing.TB, addr netip.AddrPort, n int) float64 {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0 := cpuTime()
	for i := range n {
		fd, err := rawSocket(unix.AF_INET)
		if err != nil {
			tb.Fatal(err)
		}
		if e := rawConnect(fd, addr); e != 0 && e != unix.EINPROGRESS {
			tb.Fatal(e)
		}
		if !rawConnected(fd) {
			floorWaitOut(tb, fd)
		}
		rawClose(fd)
		if (i+1)%50 == 0 {
			time.Sleep(time.Until(time.Now().Truncate(Granularity).Add(Granularity)))
		}
	}
	return float64(cpuTime()-cpu0) / float64(n)
}

// floorSend writes req on fd, once its connect is over if it is not yet (a busy server's
// backlog can hold the handshake back: the write is then EAGAIN).
func floorSend(tb testing.TB, fd int, req []byte) {
	_, e := rawSend(fd, req)
	if e == unix.EAGAIN {
		floorWaitOut(tb, fd)
		_, e = rawSend(fd, req)
	}
	if e != 0 {
		tb.Fatal("write: ", e)
	}
}

// floorWaitOut waits up to a second for fd to be writable (its connect over).
func floorWaitOut(tb testing.TB, fd int) {
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
	if n, err := unix.Poll(pfd, 1000); n != 1 || err != nil {
		tb.Fatalf("connect not over after 1 s: %v", err)
	}
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
