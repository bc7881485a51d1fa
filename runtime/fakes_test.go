package runtime

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/podd/podd/cgroupfs/devices"
	"github.com/podd/podd/internal/reaper"
	"github.com/podd/podd/nsinit"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
)

// fakeHost stands in for the OS: cgroups and namespace pins are plain directories under a test
// directory, addresses a map, processes channels the test ends. It records every call ("op
// path", paths relative to the test directory) and fails the calls named in fail.
type fakeHost struct {
	t    *testing.T
	base string

	mu       sync.Mutex
	calls    []string
	fail     map[string]error // "op" or "op path-suffix" -> error
	leases   map[string]string
	nextIP   int
	procs    map[int]*fakeProc
	nextPid  int
	live     map[string][]int   // cgroup -> pids find reports (recovery)
	catch    map[string]bool    // container name -> catches SIGTERM and exits
	stubborn map[string]bool    // container name -> catches SIGTERM and carries on
	mem      map[string]uint64  // cgroup -> oom_kill count
	ctrls    map[string]bool    // controllers of the pods cgroup
	starts   chan *fakeProc     // every started process, for tests that wait for restarts
	delays   chan time.Duration // every restart backoff asked for
}

type fakeProc struct {
	pid     int
	cg      string
	name    string
	started time.Time
	cfg     *nsinit.Config   // what it was started with
	exit    chan reaper.Exit // to the podd that started it, unless that podd is gone
	once    sync.Once
	done    atomic.Bool
	mu      sync.Mutex
	orphan  bool               // its podd was restarted
	watches []chan reaper.Exit // a restarted podd's watches
	outputs []*os.File         // its stdout and stderr, held (as a real process) until it ends
}

func (p *fakeProc) end(status unix.WaitStatus) {
	p.once.Do(func() {
		p.done.Store(true)
		for _, f := range p.outputs {
			f.Close()
		}
		e := reaper.Exit{Pid: p.pid, Status: status, Time: time.Now()}
		p.mu.Lock()
		defer p.mu.Unlock()
		if !p.orphan {
			p.exit <- e
		}
		for _, w := range p.watches {
			w <- reaper.Exit{Pid: p.pid, Time: e.Time, Unknown: true}
		}
	})
}

// exitCode and killed are wait statuses.
func exitCode(n int) unix.WaitStatus { return unix.WaitStatus(n << 8) }

const killed = unix.WaitStatus(unix.SIGKILL)

// newTestRuntime is a Runtime on fakes, its directories under t.TempDir(), with a pod network.
func newTestRuntime(t *testing.T) (*Runtime, *fakeHost) {
	t.Helper()
	h := &fakeHost{t: t, base: t.TempDir(), fail: map[string]error{}, leases: map[string]string{}, procs: map[int]*fakeProc{},
		nextPid: 1000, live: map[string][]int{}, catch: map[string]bool{}, stubborn: map[string]bool{}, mem: map[string]uint64{},
		ctrls:  map[string]bool{"cpu": true, "memory": true, "pids": true},
		starts: make(chan *fakeProc, 1000), delays: make(chan time.Duration, 1000)}
	return h.runtime(), h
}

// runtime is a new Runtime on the fake host, as a restarted podd (the previous one's lock must
// be released first: see restart).
func (h *fakeHost) runtime() *Runtime {
	t, base := h.t, h.base
	t.Helper()
	rt := newRuntime(Options{Root: filepath.Join(base, "root"), Run: filepath.Join(base, "run"),
		LogDir: filepath.Join(base, "log"), CgroupRoot: filepath.Join(base, "cgroup"), PidsLimit: 4096})
	rt.cg, rt.pins, rt.net, rt.devices = fakeCgroups{h}, fakeNS{h}, fakeNet{h}, h.attachDevices
	rt.procs, rt.launch = fakeProcs{h}, fakeProcs{h}
	rt.after = func(d time.Duration) <-chan time.Time {
		select {
		case h.delays <- d:
		default: // a test that does not read them
		}
		ch := make(chan time.Time, 1)
		ch <- time.Now()
		return ch
	}
	if err := rt.makeDirs(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.rootLock.Close() })
	if err := os.MkdirAll(rt.opts.CgroupRoot, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := rt.setupCgroups(); err != nil {
		t.Fatal(err)
	}
	return rt
}

// restart is podd killed and started again: the old runtime's lock goes, its pods stay, and
// their processes' exits no longer reach it (its supervisors wait for ever).
func (h *fakeHost) restart(old *Runtime) *Runtime {
	old.rootLock.Close()
	h.mu.Lock()
	for _, p := range h.procs {
		p.mu.Lock()
		p.orphan = true
		p.mu.Unlock()
	}
	h.calls = nil
	h.mu.Unlock()
	return h.runtime()
}

func (h *fakeHost) rel(path string) string {
	if r, err := filepath.Rel(h.base, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}

// call records op on path and returns the error the test asked for: fail["op"], or
// fail["op suffix"] when the path ends with suffix ("@pod": a pod cgroup).
func (h *fakeHost) call(op, path string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.rel(path)
	h.calls = append(h.calls, op+" "+r)
	if err, ok := h.fail[op]; ok {
		return err
	}
	for k, err := range h.fail {
		o, suffix, ok := strings.Cut(k, " ")
		if !ok || o != op {
			continue
		}
		if suffix == "@pod" && filepath.Dir(r) == "cgroup/pods" || strings.HasSuffix(r, suffix) {
			return err
		}
	}
	return nil
}

func (h *fakeHost) failOn(key string) error {
	err := fmt.Errorf("injected failure at %s", key)
	h.mu.Lock()
	h.fail[key] = err
	h.mu.Unlock()
	return err
}

func (h *fakeHost) called(prefix string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, c := range h.calls {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// count is how many times exactly call was made.
func (h *fakeHost) count(call string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, c := range h.calls {
		if c == call {
			n++
		}
	}
	return n
}

// before reports whether a call starting with a came before one starting with b.
func (h *fakeHost) before(a, b string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	seenA := false
	for _, c := range h.calls {
		switch {
		case c == a || strings.HasPrefix(c, a+" "):
			seenA = true
		case c == b || strings.HasPrefix(c, b+" "):
			return seenA
		}
	}
	return false
}

func (h *fakeHost) attachDevices(cg string, rules []devices.Rule) error {
	return h.call("devices.attach", cg)
}

// running lists the fake processes not ended yet.
func (h *fakeHost) running() []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []int
	for pid, p := range h.procs {
		if !p.done.Load() {
			out = append(out, pid)
		}
	}
	sort.Ints(out)
	return out
}

// testPod is a pod of the given containers (each runs /bin/app) with an image directory.
func testPod(t *testing.T, name string, ctrs ...string) *corev1.Pod {
	t.Helper()
	img := t.TempDir()
	in := &corev1.Pod{}
	in.Name, in.Namespace = name, "default"
	for _, c := range ctrs {
		in.Spec.Containers = append(in.Spec.Containers, corev1.Container{Name: c, Image: img, Command: []string{"/bin/app"}})
	}
	in.Spec.RestartPolicy = corev1.RestartPolicyAlways
	return in
}

// leftovers lists what a pod left behind: files under the pods, ns and log directories, cgroups
// below the pods cgroup, addresses, running processes.
func leftovers(t *testing.T, rt *Runtime, h *fakeHost) []string {
	t.Helper()
	var out []string
	for _, dir := range []string{rt.podsDir(), rt.nsDir(), rt.opts.LogDir, rt.podsCg} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			out = append(out, h.rel(filepath.Join(dir, e.Name())))
		}
	}
	for _, l := range (fakeNet{h}).Leases() {
		out = append(out, "lease "+l.IP)
	}
	for _, pid := range h.running() {
		out = append(out, fmt.Sprintf("process %d", pid))
	}
	if len(rt.pods) > 0 {
		out = append(out, fmt.Sprintf("%d pods in memory", len(rt.pods)))
	}
	return out
}
