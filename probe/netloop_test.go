package probe

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// loopRun is probers started on one scheduler with a fake clock, their results by prober.
type loopRun struct {
	t       *testing.T
	clock   *FakeClock
	s       *Scheduler
	d       *Dialer
	results chan loopResult
	probers []*Prober
}

type loopResult struct {
	i int
	r Result
}

func newLoopRun(t *testing.T) *loopRun {
	clock := NewFakeClock(time.Unix(1000, 0))
	l := &loopRun{t: t, clock: clock, s: NewScheduler(clock, 4), d: NewDialer(), results: make(chan loopResult, 1000)}
	t.Cleanup(func() {
		for _, p := range l.probers {
			p.Stop()
		}
		l.s.Close()
	})
	return l
}

// start starts a prober of a readiness probe with handler h (period 10 s, timeout 1 s unless
// given).
func (l *loopRun) start(h corev1.ProbeHandler, timeout ...int32) {
	p := &corev1.Probe{ProbeHandler: h, PeriodSeconds: 10}
	if len(timeout) > 0 {
		p.TimeoutSeconds = timeout[0]
	}
	SetDefaults(p)
	i := len(l.probers)
	hooks := Hooks{Result: func(_ Kind, r Result) { l.results <- loopResult{i, r} }}
	l.probers = append(l.probers, Start(l.s, l.d, &corev1.Container{Name: "c", ReadinessProbe: p}, l.clock.Now(), Target{PodIP: "127.0.0.1"}, hooks))
}

// round runs every probe once (the clock a period on) and returns their results by prober.
func (l *loopRun) round() []Result {
	l.t.Helper()
	l.clock.Advance(10 * time.Second)
	got := make([]Result, len(l.probers))
	for range l.probers {
		select {
		case x := <-l.results:
			got[x.i] = x.r
		case <-time.After(30 * time.Second):
			l.t.Fatal("timed out waiting for the probes' results")
		}
	}
	return got
}

func httpGet(port int, path string) corev1.ProbeHandler {
	return corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromInt(port)}}
}

func tcpSocket(port int) corev1.ProbeHandler {
	return corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt(port)}}
}

// testServer serves /ok ("fine"), /slow (fine after 200 ms), /hang (no answer until the
// client goes), /local (a redirect to /ok), /tohttps (a redirect to /ok over TLS on the same
// host), /big (1 MiB) and /chunked (fine 3 times, in chunks).
func testServer(t *testing.T) int {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "fine") })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(200 * time.Millisecond)
		fmt.Fprint(w, "fine")
	})
	mux.HandleFunc("/hang", func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	mux.HandleFunc("/local", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/big", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, strings.Repeat("x", 1<<20)) })
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, _ *http.Request) {
		for range 3 {
			fmt.Fprint(w, "fine")
			w.(http.Flusher).Flush()
		}
	})
	tls := httptest.NewTLSServer(mux)
	t.Cleanup(tls.Close)
	mux.HandleFunc("/tohttps", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, tls.URL+"/ok", http.StatusFound) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	_, port := hostPort(t, srv.URL)
	return port
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// fullListener is a loopback port whose listener never accepts, its backlog full: the kernel
// drops further SYNs, a connect there does not end.
func fullListener(t *testing.T) int {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := unix.Getsockname(fd)
	port := sa.(*unix.SockaddrInet4).Port
	for range 3 {
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond); err == nil {
			t.Cleanup(func() { c.Close() })
		}
	}
	return port
}

// TestNetLoopManyAtOnce: hundreds of TCP and HTTP probes due in the same tick all get their
// answers, round after round, with the Checkers' results.
func TestNetLoopManyAtOnce(t *testing.T) {
	port := testServer(t)
	l := newLoopRun(t)
	for i := range 300 {
		if i%3 == 0 {
			l.start(tcpSocket(port))
		} else {
			l.start(httpGet(port, []string{"/ok", "/local"}[i%2]))
		}
	}
	for round := range 3 {
		for i, r := range l.round() {
			want := Result{Outcome: Success, Output: "fine"}
			if i%3 == 0 {
				want.Output = ""
			}
			if r.Outcome != want.Outcome || r.Output != want.Output {
				t.Fatalf("round %d, probe %d: %v %q, want %v %q", round, i, r.Outcome, r.Output, want.Outcome, want.Output)
			}
		}
	}
}

// TestNetLoopFailures: a slow server, one that does not answer, and a closed port read as the
// kubelet's messages; a large body is cut as the kubelet cuts it, a chunked one is whole; a
// redirect to https on the same host is followed; a connect that does not end times out.
func TestNetLoopFailures(t *testing.T) {
	port, closed := testServer(t), closedPort(t)
	l := newLoopRun(t)
	l.start(httpGet(port, "/slow"))
	l.start(httpGet(port, "/hang"))
	l.start(httpGet(closed, "/ok"))
	l.start(tcpSocket(closed))
	l.start(httpGet(port, "/ok"))
	l.start(httpGet(port, "/big"))
	l.start(httpGet(port, "/chunked"))
	l.start(httpGet(port, "/tohttps"))
	full := fullListener(t)
	l.start(tcpSocket(full))
	l.start(httpGet(full, "/ok"))
	want := []Result{
		{Outcome: Success, Output: "fine"},
		{Outcome: Failure, Output: fmt.Sprintf(`Get "http://127.0.0.1:%d/hang": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, port)},
		{Outcome: Failure, Output: fmt.Sprintf(`Get "http://127.0.0.1:%d/ok": dial tcp 127.0.0.1:%d: connect: connection refused`, closed, closed)},
		{Outcome: Failure, Output: fmt.Sprintf(`dial tcp 127.0.0.1:%d: connect: connection refused`, closed)},
		{Outcome: Success, Output: "fine"},
		{Outcome: Success, Output: strings.Repeat("x", maxBody)},
		{Outcome: Success, Output: "finefinefine"},
		{Outcome: Success, Output: "fine"},
		{Outcome: Failure, Output: fmt.Sprintf("dial tcp 127.0.0.1:%d: i/o timeout", full)},
		{Outcome: Failure, Output: fmt.Sprintf(`Get "http://127.0.0.1:%d/ok": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, full)},
	}
	got := l.round()
	for i, r := range got {
		if r.Outcome != want[i].Outcome || r.Output != want[i].Output {
			t.Errorf("probe %d: %v %q, want %v %q", i, r.Outcome, r.Output, want[i].Outcome, want[i].Output)
		}
	}
	if got[1].Took < 900*time.Millisecond {
		t.Errorf("the probe of a server that does not answer ended after %v, want its timeout (1 s)", got[1].Took)
	}
}

// TestNetLoopStopLeavesNoSocket: probers stopped while their probes wait for answers (timeout
// 60 s) end at once, and leave no socket open.
func TestNetLoopStopLeavesNoSocket(t *testing.T) {
	port := testServer(t)
	before := openFDs(t)
	l := newLoopRun(t)
	for range 50 {
		l.start(httpGet(port, "/hang"), 60)
	}
	l.clock.Advance(10 * time.Second)
	waitFor(t, "the probes to wait on the network", func() bool {
		l.s.mu.Lock()
		defer l.s.mu.Unlock()
		return l.s.pending == 50
	})
	var wg sync.WaitGroup
	start := time.Now()
	for _, p := range l.probers {
		wg.Add(1)
		go func() { defer wg.Done(); p.Stop() }()
	}
	wg.Wait()
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("Stop took %v: it waited for the probes' timeout", took)
	}
	l.probers = nil
	waitFor(t, "the sockets to close", func() bool { return openFDs(t) <= before })
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if link, _ := os.Readlink("/proc/self/fd/" + e.Name()); strings.HasPrefix(link, "socket:") {
			n++
		}
	}
	return n
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestNetLoopWithEpollWait: on a kernel without epoll_pwait2 (before 5.11) the waiter waits in
// epoll_wait, in milliseconds: answers, a slow answer (past the waiter's blocking time, so
// from its sleeps) and a timeout read as always.
func TestNetLoopWithEpollWait(t *testing.T) {
	port := testServer(t)
	l := newLoopRun(t)
	l.s.net.noPwait2 = true // before the first probe: nothing runs on the set yet
	l.start(httpGet(port, "/ok"))
	l.start(httpGet(port, "/slow"))
	l.start(httpGet(port, "/hang"))
	got := l.round()
	want := []Outcome{Success, Success, Failure}
	for i, r := range got {
		if r.Outcome != want[i] {
			t.Errorf("probe %d: %v %q, want %v", i, r.Outcome, r.Output, want[i])
		}
	}
	if got[1].Took < 200*time.Millisecond || got[1].Took > 900*time.Millisecond {
		t.Errorf("the slow answer (200 ms) took %v", got[1].Took)
	}
}
