package probe

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/podd/podd/internal/testutil"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// answering answers a connection: answer written once the request is read, then the
// connection closed first by the server (closeFirst) or left open until the client ends it;
// what the server's read after the answer returned goes to ends.
func answering(answer string, closeFirst bool, ends chan<- error) func(net.Conn) {
	return func(c net.Conn) {
		defer c.Close()
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil || line == "\r\n" {
				break
			}
		}
		io.WriteString(c, answer)
		if closeFirst {
			return
		}
		_, err := r.ReadByte()
		ends <- err
	}
}

// runHTTPProbes runs n HTTP probes of period 1 s of one prober in ns against port, one after
// another, and fails the test unless each succeeds.
func runHTTPProbes(t *testing.T, d *Dialer, ns *os.File, port, n int) {
	t.Helper()
	clock := NewFakeClock(time.Unix(1000, 0))
	s := NewScheduler(clock, 4)
	defer s.Close()
	p := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt(port)}}, PeriodSeconds: 1}
	SetDefaults(p)
	results := make(chan Result, n)
	spec := &corev1.Container{Name: "c", ReadinessProbe: p}
	pr := Start(s, d, spec, clock.Now(), Target{NetNS: ns}, Hooks{Result: func(_ Kind, r Result) { results <- r }})
	defer pr.Stop()
	for i := range n {
		clock.Advance(time.Second)
		select {
		case r := <-results:
			if r.Outcome != Success {
				t.Fatalf("probe %d: %v %q", i, r.Outcome, r.Output)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("probe %d: no result", i)
		}
	}
}

// TestKeptSocketsReused: an HTTP probe whose server closed the connection first leaves its
// socket for the next probe in the pod's namespace: the probes after the first make no socket
// (no entry into the namespace) and all succeed; none is left once the prober stops.
func TestKeptSocketsReused(t *testing.T) {
	ns, l := newNetNSListener(t)
	// No Content-Length: the answer is whole at the server's FIN, so the FIN is always seen.
	go testutil.AcceptEach(l, answering("HTTP/1.0 200 OK\r\n\r\nin the pod", true, nil))
	d := NewDialer()
	const n = 6
	runHTTPProbes(t, d, ns, l.Addr().(*net.TCPAddr).Port, n)
	if got := d.sockets.reused.Load(); got < n-2 {
		t.Errorf("%d probes took a kept socket, want at least %d of %d", got, n-2, n)
	}
	if got := d.sockets.entered.Load(); got > 2 {
		t.Errorf("the namespace was entered %d times for %d probes, want once or twice (the first probe's socket)", got, n)
	}
	d.sockets.spares.mu.Lock()
	defer d.sockets.spares.mu.Unlock()
	if left := d.sockets.spares.nKept; left != 0 || len(d.sockets.spares.kept) != 0 {
		t.Errorf("%d kept sockets left after the prober stopped", left)
	}
}

// TestKeptSocketsNotWhenServerHoldsOn: a server that keeps its end open after the answer gets
// the kubelet's close, a FIN (its read ends with EOF, not a reset), and the socket is not kept.
func TestKeptSocketsNotWhenServerHoldsOn(t *testing.T) {
	ns, l := newNetNSListener(t)
	ends := make(chan error, 10)
	go testutil.AcceptEach(l, answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, ends))
	d := NewDialer()
	runHTTPProbes(t, d, ns, l.Addr().(*net.TCPAddr).Port, 3)
	for i := range 3 {
		select {
		case err := <-ends:
			if err != io.EOF {
				t.Errorf("connection %d: the server's read after the answer: %v, want EOF (a FIN)", i, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("connection %d: the server saw no end", i)
		}
	}
	if got := d.sockets.reused.Load(); got != 0 {
		t.Errorf("%d probes took a kept socket, want none", got)
	}
}

// TestKeptSocketsBounded: kept sockets are closed after keepFor, when their namespace's probes
// stop, and never more than maxKept are kept.
func TestKeptSocketsBounded(t *testing.T) {
	ns, err := os.Open(os.DevNull) // a key only: keep does not enter it
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	var sp spares
	made := func(n int) []int {
		var fds []int
		for range n {
			fd, err := rawSocket(unix.AF_INET)
			if err != nil {
				t.Fatal(err)
			}
			fds = append(fds, fd)
		}
		return fds
	}
	open := func(fd int) bool {
		_, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		return !errors.Is(err, unix.EBADF)
	}
	old := made(3)
	for _, fd := range old {
		if !sp.keep(ns, unix.AF_INET, fd, unix.EPOLLIN) {
			t.Fatalf("socket %d not kept", fd)
		}
	}
	sp.mu.Lock()
	sp.expireKept(time.Now().Add(keepFor / 2))
	sp.mu.Unlock()
	if sp.nKept != 3 || !open(old[0]) {
		t.Fatalf("%d kept before keepFor, want 3", sp.nKept)
	}
	sp.mu.Lock()
	sp.expireKept(time.Now().Add(keepFor + time.Second))
	sp.mu.Unlock()
	for _, fd := range old {
		if open(fd) {
			t.Errorf("socket %d still open after keepFor", fd)
		}
	}
	many := made(maxKept + 1)
	kept := 0
	for _, fd := range many {
		if sp.keep(ns, unix.AF_INET, fd, unix.EPOLLIN) {
			kept++
		} else {
			rawClose(fd) // the caller's part
		}
	}
	if kept != maxKept {
		t.Errorf("%d sockets kept, want at most %d", kept, maxKept)
	}
	if fd, _ := sp.takeKept(ns, unix.AF_INET); fd < 0 || !open(fd) {
		t.Errorf("takeKept: %d, want a kept socket", fd)
	} else {
		rawClose(fd)
	}
	sp.drop(ns)
	for _, fd := range many {
		if open(fd) {
			t.Errorf("socket %d open after its namespace's probes stopped", fd)
			break
		}
	}
	if sp.nKept != 0 {
		t.Errorf("%d counted as kept after drop, want 0", sp.nKept)
	}
}

// TestKeptSocketEventDuringDial: a kept socket is in the epoll set while its next probe dials.
// An answer the waiter takes before the dial is over (its op not yet added) is not lost: the
// dial's end re-arms the socket and the next look finds the answer. Without that, the edge is
// gone and the probe would wait for its timeout.
func TestKeptSocketEventDuringDial(t *testing.T) {
	port := testServer(t)
	var l netLoop
	if !l.open() {
		t.Fatal("no epoll set")
	}
	defer l.close()
	target := &Target{PodIP: "127.0.0.1"}
	pr := &corev1.Probe{ProbeHandler: httpGet(port, "/ok")}
	SetDefaults(pr)
	c := NewDialer().Checker(pr, target).(*HTTPCheck)
	op := c.newOp(target)
	op.job = &probeJob{p: &Prober{ctx: t.Context(), target: *target}}
	// A kept socket: in the set for the events an HTTP probe wants.
	fd, err := rawSocket(unix.AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	mask := uint32(unix.EPOLLIN | unix.EPOLLRDHUP)
	ev := unix.EpollEvent{Events: mask | unix.EPOLLET, Fd: int32(fd)}
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		t.Fatal(err)
	}
	op.fd, op.inSet, op.mask = fd, true, mask
	l.publish(op) // the dial begins (netOp.takeKept)
	if e := rawConnect(fd, op.addr); e != 0 && e != unix.EINPROGRESS {
		t.Fatal(e)
	}
	op.connected = true // a loopback connect is over at once; the write says so otherwise
	if err := op.write(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the answer comes, the dial not over yet
	done, _ := l.poll(nil, 0)
	if len(done) != 0 || !op.missed {
		t.Fatalf("the waiter's look during the dial: %d ended, missed %v; want none ended, the event noted", len(done), op.missed)
	}
	if err := l.add(op, mask); err != nil { // the dial's end
		t.Fatal(err)
	}
	done, _ = l.poll(nil, time.Second)
	if len(done) != 1 || done[0] != op {
		t.Fatalf("after the dial: %d ops ended, want the probe's (its answer came during the dial)", len(done))
	}
	if op.result.Outcome != Success || op.result.Output != "fine" {
		t.Fatalf("result %v %q", op.result.Outcome, op.result.Output)
	}
}
