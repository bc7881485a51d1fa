package probe

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/podd/podd/bpf/probelat"
	"github.com/podd/podd/internal/testutil"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The main thread is the main goroutine's alone, as in podd (cmd/podd/mainthread.go): probes
// then never land on it and make their sockets on their own thread.
func init() { runtime.LockOSThread() }

// TestHelperServer is not a test: run by the benchmarks as a separate process (so that its CPU
// is not counted as the prober's), it serves HTTP (or grpc.health.v1) on a loopback port it
// prints.
func TestHelperServer(t *testing.T) {
	kind := os.Getenv("PROBE_HELPER_SERVER")
	if kind == "" {
		return
	}
	if n, _ := strconv.Atoi(os.Getenv("PROBE_HELPER_PODS")); n > 0 {
		servePods(t, n)
		return
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(l.Addr().(*net.TCPAddr).Port)
	if kind == "grpc" {
		s := grpc.NewServer()
		healthpb.RegisterHealthServer(s, health.NewServer())
		_ = s.Serve(l)
		return
	}
	_ = http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) }))
}

// podPort is the port the helper serves HTTP on in each of its pods' namespaces.
const podPort = 8080

// servePods serves HTTP on podPort in n new network namespaces (as n pods) and prints the
// port, then each namespace's path, a line each. The serving goroutines are not tied to a
// thread (as a pod's server is not): a namespace is made on a thread that then goes back.
func servePods(t *testing.T, n int) {
	fmt.Println(podPort)
	for range n {
		ns, l := pod(t)
		go http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) }))
		fmt.Printf("/proc/%d/fd/%d\n", os.Getpid(), ns.Fd())
	}
	select {}
}

// pod makes a pod's network namespace (its loopback up) and listens on podPort there.
func pod(t *testing.T) (*os.File, net.Listener) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	home, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	defer home.Close()
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := unix.Setns(int(home.Fd()), unix.CLONE_NEWNET); err != nil {
			panic(err) // the thread cannot be used again
		}
	}()
	lo, err := netlink.LinkByName("lo")
	if err == nil {
		err = netlink.LinkSetUp(lo)
	}
	if err != nil {
		t.Fatal(err)
	}
	ns, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(podPort))
	if err != nil {
		t.Fatal(err)
	}
	return ns, l
}

// startHelperPods starts the helper serving HTTP in n pods' namespaces and opens those.
func startHelperPods(b *testing.B, n int) []*os.File {
	_, out := startHelper(b, "http", "PROBE_HELPER_PODS="+strconv.Itoa(n))
	var nss []*os.File
	for range n {
		line, err := out.ReadString('\n')
		if err != nil {
			b.Fatal(err)
		}
		ns, err := os.Open(line[:len(line)-1])
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { ns.Close() })
		nss = append(nss, ns)
	}
	return nss
}

func startHelperServer(b testing.TB, kind string) int {
	port, _ := startHelper(b, kind)
	return port
}

// startHelper runs TestHelperServer in a process of its own, serving kind, with env added to
// its environment; it returns the port it printed and the rest of its output.
func startHelper(b testing.TB, kind string, env ...string) (int, *bufio.Reader) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperServer$", "-test.bench=^$")
	cmd.Env = append(append(os.Environ(), "PROBE_HELPER_SERVER="+kind), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	r := bufio.NewReader(out)
	line, err := r.ReadString('\n')
	port, perr := strconv.Atoi(line[:max(len(line)-1, 0)])
	if err != nil || perr != nil {
		b.Fatalf("helper server: %q %v %v", line, err, perr)
	}
	return port, r
}

// startHelperFor starts the helper server the handler probes (grpc for a grpc probe, else
// HTTP) and points the handler at its port.
func startHelperFor(b *testing.B, h *corev1.ProbeHandler) {
	switch {
	case h.TCPSocket != nil:
		h.TCPSocket.Port = intstr.FromInt(startHelperServer(b, "http"))
	case h.HTTPGet != nil:
		h.HTTPGet.Port = intstr.FromInt(startHelperServer(b, "http"))
	default:
		h.GRPC.Port = int32(startHelperServer(b, "grpc"))
	}
}

// counter counts probe results, and notes the CPU and wall time when the cold'th, the warm-up's
// last and the last one came.
type counter struct {
	done, failed atomic.Int64
	cold, warm   int64 // the old measure's results (b.N from Start); the warm-up's
	n            int64 // results of the warm-up and the measured part
	at           [3]usage
	warmed       chan struct{}
	finished     chan struct{}
	first        atomic.Pointer[Result] // the first failure
}

// usage is the process's CPU time, its context switches (its threads put to sleep or off
// the CPU: a figure the host's noise does not move, unlike the CPU time) and the wall clock at
// one moment.
type usage struct {
	cpu  time.Duration
	csw  int64
	wall time.Time
}

func now() usage {
	var ru unix.Rusage
	_ = unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return usage{time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), ru.Nvcsw + ru.Nivcsw, time.Now()}
}

func (c *counter) result(_ Kind, r Result) {
	if r.Outcome != Success && c.failed.Add(1) == 1 {
		first := r // a copy: r itself stays on the stack (no allocation per result)
		c.first.Store(&first)
	}
	i := c.done.Add(1)
	if i == c.cold {
		c.at[2] = now()
	}
	if i == c.warm {
		c.at[0] = now()
		close(c.warmed)
	}
	if i == c.n {
		c.at[1] = now()
		close(c.finished)
	}
}

func cpuTime() time.Duration {
	var ru unix.Rusage
	_ = unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchmarkProbes runs 1000 probes of period 1 s (1000 probes a second once the first-run
// jitter spread them), the readiness probes of 1000 containers, on one scheduler, and reports
// the CPU the prober used as a share of one core (the target: under 5% at 1000
// probes/s) and per probe.
//
// The figures without a prefix are the steady state: the b.N probes run after a warm-up of
// 2000 (two periods: every probe ran and the first-run jitter is over), start of the probers
// excluded. The cold- figures are the old way of measuring, in the same run: from before the
// 1000 probers' Start to the b.N-th result, Start and the first period included (at b.N of a
// few thousand, a large part of what they measure).
//
// As root, segs/probe is the TCP segments sent in the namespace (both ends of each connection
// and the host's other traffic) a probe.
//
// With PROBE_BENCH_KERNEL_TIMES set, the kernel's connect times (bpf/probelat) are taken for
// every probe, as podd does where BPF works.
//
// As root the sockets are made through the socket thread (setns into a namespace and back),
// the path of a real pod.
//
// With pods > 0 (as root), the probes are those of pods' containers, spread over pods network
// namespaces, each with its own server (the helper's): each namespace's sockets are its own.
func benchmarkProbes(b *testing.B, handler corev1.ProbeHandler, pods int) {
	var nss []*os.File
	if pods > 0 {
		testutil.RequireRoot(b)
		nss = startHelperPods(b, pods)
		handler.HTTPGet.Port = intstr.FromInt(podPort)
	} else {
		startHelperFor(b, &handler)
	}
	p := &corev1.Probe{ProbeHandler: handler, PeriodSeconds: 1}
	SetDefaults(p)
	target := &Target{PodIP: "127.0.0.1"}
	if os.Geteuid() == 0 && os.Getenv("PROBE_BENCH_NO_NETNS") == "" && pods == 0 {
		ns, err := os.Open("/proc/self/ns/net")
		if err != nil {
			b.Fatal(err)
		}
		defer ns.Close()
		target.NetNS = ns
	}
	d := NewDialer()
	if os.Getenv("PROBE_BENCH_KERNEL_TIMES") != "" { // podd's default where BPF works
		k, err := probelat.Open()
		if err != nil {
			b.Fatal(err)
		}
		defer k.Close()
		d.SetConnectTimes(k)
	}
	s := NewScheduler(RealClock{}, DefaultWorkers)
	defer s.Close()
	const warm = 2000
	c := &counter{cold: int64(b.N), warm: warm, n: warm + int64(b.N), warmed: make(chan struct{}), finished: make(chan struct{})}
	b.ResetTimer()
	start := now()
	var probers []*Prober
	for i := range 1000 {
		spec := &corev1.Container{Name: "c", ReadinessProbe: p}
		if pods > 0 {
			target.NetNS = nss[i%pods]
		}
		probers = append(probers, Start(s, d, spec, time.Now(), *target, Hooks{Result: c.result}))
	}
	<-c.warmed
	b.ResetTimer() // the steady state only, for ns/op
	countSegs := pods == 0 && target.NetNS != nil
	var segs0 int
	if countSegs {
		segs0 = tcpOutSegs(b, target.NetNS)
	}
	<-c.finished
	b.StopTimer()
	if countSegs {
		b.ReportMetric(float64(tcpOutSegs(b, target.NetNS)-segs0)/float64(b.N), "segs/probe")
	}
	for _, p := range probers {
		p.Stop()
	}
	steady, cold := c.at[1].since(c.at[0]), c.at[2].since(start)
	b.ReportMetric(steady.share(), "%cpu")
	b.ReportMetric(steady.perProbe(b.N), "cpu-ns/probe")
	b.ReportMetric(float64(steady.csw)/float64(b.N), "ctxsw/probe")
	b.ReportMetric(float64(b.N)/steady.wall.Seconds(), "probes/s")
	b.ReportMetric(float64(d.sockets.reused.Load())/float64(c.done.Load()), "kept-reuse/probe")
	b.ReportMetric(cold.share(), "cold-%cpu")
	b.ReportMetric(cold.perProbe(b.N), "cold-cpu-ns/probe")
	if f := c.failed.Load(); f > 0 {
		b.Fatalf("%d of %d probes failed, the first: %+v", f, c.done.Load(), *c.first.Load())
	}
	if pods == 0 {
		reportFloor(b, handler, steady.perProbe(b.N))
	}
}

// reportFloor runs, right after the probes, the same probes' system calls alone at the same pace
// (BenchmarkFloor's tcp-paced, or http-reuse-deferack-paced for HTTP), at least 1000 of them,
// and reports their CPU a probe and x-floor: podd's CPU a probe over theirs, a ratio the host's
// speed moves less than the share of a core (which the floor alone can exceed on a slow host).
// A grpc probe has no floor.
func reportFloor(b *testing.B, h corev1.ProbeHandler, perProbe float64) {
	localhost := netip.MustParseAddr("127.0.0.1")
	n := max(b.N, 1000)
	var floor float64
	switch {
	case h.TCPSocket != nil:
		floor = floorTCP(b, netip.AddrPortFrom(localhost, uint16(h.TCPSocket.Port.IntValue())), n)
	case h.HTTPGet != nil:
		port := h.HTTPGet.Port.IntValue()
		floor = floorReuse(b, netip.AddrPortFrom(localhost, uint16(port)), floorRequest(h.HTTPGet.Path, port), true, n)
	default:
		return
	}
	b.ReportMetric(floor, "floor-cpu-ns/probe")
	b.ReportMetric(perProbe/floor, "x-floor")
}

// span is the CPU and wall time between two moments.
type span struct {
	cpu  time.Duration
	csw  int64
	wall time.Duration
}

func (u usage) since(v usage) span { return span{u.cpu - v.cpu, u.csw - v.csw, u.wall.Sub(v.wall)} }

func (s span) share() float64 { return float64(s.cpu) / float64(s.wall) * 100 }

func (s span) perProbe(n int) float64 { return float64(s.cpu.Nanoseconds()) / float64(n) }

func BenchmarkTCPProbes1000PerSecond(b *testing.B) {
	benchmarkProbes(b, corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{}}, 0)
}

func BenchmarkHTTPProbes1000PerSecond(b *testing.B) {
	benchmarkProbes(b, corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz"}}, 0)
}

// BenchmarkHTTPProbes1000PerSecondPods: the same 1000 probes a second, the readiness probes of
// 10 containers in each of 100 pods, or of one container in each of 1000 pods: each pod's
// namespace entered for its sockets, and kept sockets (kept.go) kept for each.
func BenchmarkHTTPProbes1000PerSecondPods(b *testing.B) {
	for _, pods := range []int{100, 1000} {
		b.Run(strconv.Itoa(pods), func(b *testing.B) {
			benchmarkProbes(b, corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz"}}, pods)
		})
	}
}

func BenchmarkGRPCProbes1000PerSecond(b *testing.B) {
	benchmarkProbes(b, corev1.ProbeHandler{GRPC: &corev1.GRPCAction{}}, 0)
}
