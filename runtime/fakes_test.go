package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/podd/podd/cgroupfs"
	"github.com/podd/podd/cgroupfs/devices"
	"github.com/podd/podd/internal/reaper"
	"github.com/podd/podd/netsetup"
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
	exit    chan reaper.Exit // to the podd that started it, unless that podd is gone
	once    sync.Once
	done    atomic.Bool
	mu      sync.Mutex
	orphan  bool               // its podd was restarted
	watches []chan reaper.Exit // a restarted podd's watches
}

func (p *fakeProc) end(status unix.WaitStatus) {
	p.once.Do(func() {
		p.done.Store(true)
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
	rt.cg, rt.pins, rt.net, rt.procs, rt.devices = fakeCgroups{h}, fakeNS{h}, fakeNet{h}, fakeProcs{h}, h.attachDevices
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

// fakeCgroups: a cgroup is a directory.
type fakeCgroups struct{ h *fakeHost }

func (f fakeCgroups) Create(dir string) error {
	if err := f.h.call("cg.create", dir); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}
func (f fakeCgroups) Set(dir string, r cgroupfs.Resources) error { return f.h.call("cg.set", dir) }
func (f fakeCgroups) SetCPUMax(dir, v string) error              { return f.h.call("cg.cpumax", dir+"="+v) }
func (f fakeCgroups) EnableControllers(dir string, c []string) error {
	return f.h.call("cg.enable", dir)
}
func (f fakeCgroups) Controllers(dir string) (map[string]bool, error) {
	return f.h.ctrls, f.h.call("cg.controllers", dir)
}
func (f fakeCgroups) MoveSelf(dir string) error { return f.h.call("cg.moveself", dir) }
func (f fakeCgroups) Open(dir string) (*os.File, error) {
	if err := f.h.call("cg.open", dir); err != nil {
		return nil, err
	}
	return os.Open(dir)
}

// Kill ends every fake process in dir or below.
func (f fakeCgroups) Kill(dir string) error {
	if err := f.h.call("cg.kill", dir); err != nil {
		return err
	}
	f.h.mu.Lock()
	defer f.h.mu.Unlock()
	for _, p := range f.h.procs {
		if p.cg == dir || strings.HasPrefix(p.cg, dir+"/") {
			p.end(killed)
		}
	}
	return nil
}
func (f fakeCgroups) Freeze(dir string, frozen bool) error { return f.h.call("cg.freeze", dir) }
func (f fakeCgroups) Populated(dir string) (bool, error)   { return false, f.h.call("cg.populated", dir) }
func (f fakeCgroups) Pids(dir string) ([]int, error) {
	f.h.mu.Lock()
	defer f.h.mu.Unlock()
	return f.h.live[dir], nil
}
func (f fakeCgroups) MemoryEvents(dir string) (map[string]uint64, error) {
	f.h.mu.Lock()
	defer f.h.mu.Unlock()
	return map[string]uint64{"oom_kill": f.h.mem[dir]}, nil
}
func (f fakeCgroups) Remove(dir string) error {
	if err := f.h.call("cg.remove", dir); err != nil {
		return err
	}
	return os.RemoveAll(dir)
}

// fakeNS: pins are a directory holding a file "net".
type fakeNS struct{ h *fakeHost }

func (f fakeNS) Create(dir, hostname string) (*netsetup.PodNS, error) {
	if err := f.h.call("ns.create", dir); err != nil {
		return nil, err
	}
	return f.pin(dir)
}

func (f fakeNS) pin(dir string) (*netsetup.PodNS, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return &netsetup.PodNS{Dir: dir}, os.WriteFile(filepath.Join(dir, "net"), nil, 0o600)
}

func (f fakeNS) Open(dir string) (*netsetup.PodNS, error) {
	if err := f.h.call("ns.open", dir); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "net")); err != nil {
		return nil, err
	}
	return &netsetup.PodNS{Dir: dir}, nil
}

func (f fakeNS) Adopt(dir string, pid int) (*netsetup.PodNS, error) {
	if err := f.h.call(fmt.Sprintf("ns.adopt:%d", pid), dir); err != nil {
		return nil, err
	}
	return f.pin(dir)
}

func (f fakeNS) Do(ns *netsetup.PodNS, fn func() error) error {
	if err := f.h.call("ns.do", ns.Dir); err != nil {
		return err
	}
	return fn()
}

func (f fakeNS) Remove(dir string) error {
	if err := f.h.call("ns.remove", dir); err != nil {
		return err
	}
	return os.RemoveAll(dir)
}

// fakeNet hands out 10.77.0.2 and up.
type fakeNet struct{ h *fakeHost }

func (f fakeNet) Attach(ns *netsetup.PodNS, owner string) (net.IP, error) {
	if err := f.h.call("net.attach", owner); err != nil {
		return nil, err
	}
	f.h.mu.Lock()
	defer f.h.mu.Unlock()
	f.h.nextIP++
	ip := net.IPv4(10, 77, 0, byte(1+f.h.nextIP))
	f.h.leases[ip.String()] = owner
	return ip, nil
}

func (f fakeNet) Release(owner string) error {
	if err := f.h.call("net.release", owner); err != nil {
		return err
	}
	f.h.mu.Lock()
	defer f.h.mu.Unlock()
	for ip, o := range f.h.leases {
		if o == owner {
			delete(f.h.leases, ip)
		}
	}
	return nil
}

func (f fakeNet) Leases() []netsetup.Lease {
	f.h.mu.Lock()
	defer f.h.mu.Unlock()
	var out []netsetup.Lease
	for ip, o := range f.h.leases {
		out = append(out, netsetup.Lease{IP: ip, Owner: o})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].IP < out[j].IP })
	return out
}

// fakeProcs: a started process lives until the test, a kill or a signal ends it.
type fakeProcs struct{ h *fakeHost }

func (f fakeProcs) start(s nsinit.Spec) (*nsinit.Process, error) {
	cg, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", s.CgroupFD))
	if err != nil {
		return nil, err
	}
	if err := f.h.call("proc.start", cg); err != nil {
		return nil, err
	}
	f.h.mu.Lock()
	f.h.nextPid++
	p := &fakeProc{pid: f.h.nextPid, cg: cg, name: filepath.Base(cg), started: time.Now(), exit: make(chan reaper.Exit, 1)}
	f.h.procs[p.pid] = p
	f.h.mu.Unlock()
	f.h.starts <- p
	return &nsinit.Process{Pid: p.pid, Exit: p.exit}, nil
}

func (f fakeProcs) proc(pid int) *fakeProc {
	f.h.mu.Lock()
	defer f.h.mu.Unlock()
	return f.h.procs[pid]
}

// signal: SIGKILL ends the process; SIGTERM ends it (exit 0) if it catches SIGTERM.
func (f fakeProcs) signal(pid int, sig unix.Signal) error {
	if err := f.h.call("proc.signal:"+unix.SignalName(sig), fmt.Sprint(pid)); err != nil {
		return err
	}
	p := f.proc(pid)
	if p == nil {
		return unix.ESRCH
	}
	switch {
	case sig == unix.SIGKILL:
		p.end(killed)
	case sig == unix.SIGTERM && f.h.catchesTerm(p.name, false):
		p.end(exitCode(0))
	}
	return nil
}

func (f fakeProcs) catches(pid int, sig unix.Signal) bool {
	p := f.proc(pid)
	return p != nil && f.h.catchesTerm(p.name, true)
}

func (h *fakeHost) catchesTerm(name string, orStubborn bool) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.catch[name] || orStubborn && h.stubborn[name]
}

// find reports the pids the test put in live (and processes it started) as container processes.
func (f fakeProcs) find(pid int, cg string) *liveProc {
	p := f.proc(pid)
	if p == nil {
		return nil
	}
	return &liveProc{pid: pid, handle: fakeHandle{p}, start: p.started}
}

func (f fakeProcs) watch(pid int) (<-chan reaper.Exit, error) {
	if err := f.h.call("proc.watch", fmt.Sprint(pid)); err != nil {
		return nil, err
	}
	p := f.proc(pid)
	if p == nil {
		return nil, unix.ESRCH
	}
	ch := make(chan reaper.Exit, 1)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done.Load() {
		ch <- reaper.Exit{Pid: pid, Time: time.Now(), Unknown: true}
	} else {
		p.watches = append(p.watches, ch)
	}
	return ch, nil
}

// survives makes a process the previous podd started findable by a restarted one in its cgroup.
func (h *fakeHost) survives(p *fakeProc) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.live[p.cg] = append(h.live[p.cg], p.pid)
}

// stranger is a process started in cgroup cg by nobody podd knows of.
func (h *fakeHost) stranger(cg string, started time.Time) *fakeProc {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.nextPid++
	p := &fakeProc{pid: h.nextPid, cg: cg, name: filepath.Base(cg), started: started, exit: make(chan reaper.Exit, 1)}
	h.procs[p.pid] = p
	h.live[cg] = append(h.live[cg], p.pid)
	return p
}

type fakeHandle struct{ p *fakeProc }

func (f fakeHandle) alive() bool { return !f.p.done.Load() }
func (f fakeHandle) kill()       { f.p.end(killed) }
func (f fakeHandle) close()      {}

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
