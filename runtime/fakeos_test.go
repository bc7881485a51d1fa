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
	"time"

	"github.com/podd/podd/cgroupfs"
	"github.com/podd/podd/internal/reaper"
	"github.com/podd/podd/netsetup"
	"github.com/podd/podd/nsinit"
	"golang.org/x/sys/unix"
)

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

func (f fakeNet) Attach(ns *netsetup.PodNS, owner string) ([]net.IP, error) {
	if err := f.h.call("net.attach", owner); err != nil {
		return nil, err
	}
	f.h.mu.Lock()
	defer f.h.mu.Unlock()
	f.h.nextIP++
	ip := net.IPv4(10, 77, 0, byte(1+f.h.nextIP))
	f.h.leases[ip.String()] = owner
	return []net.IP{ip}, nil
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

// fakeProcs is both processes and nsinit.Starter: a started process lives until the test, a
// kill or a signal ends it.
type fakeProcs struct{ h *fakeHost }

func (f fakeProcs) Start(s nsinit.Spec) (*nsinit.Process, error) {
	cg, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", s.CgroupFD))
	if err != nil {
		return nil, err
	}
	if err := f.h.call("proc.start", cg); err != nil {
		return nil, err
	}
	f.h.mu.Lock()
	f.h.nextPid++
	p := &fakeProc{pid: f.h.nextPid, cg: cg, name: filepath.Base(cg), started: time.Now(), cfg: s.Config, exit: make(chan reaper.Exit, 1)}
	for _, out := range []*os.File{s.Log, s.Stderr} {
		if out != nil {
			if fd, err := unix.Dup(int(out.Fd())); err == nil {
				p.outputs = append(p.outputs, os.NewFile(uintptr(fd), out.Name()))
			}
		}
	}
	f.h.procs[p.pid] = p
	f.h.mu.Unlock()
	f.h.starts <- p
	return &nsinit.Process{Pid: p.pid, Exit: p.exit}, nil
}

// Clone is Start in two steps, as nsinit.Launcher's: the call "proc.clone" now (the cgroup
// read while its descriptor is open), "proc.start" when the config comes, "proc.abort" if not.
func (f fakeProcs) Clone(s nsinit.Spec) (nsinit.Cloned, error) {
	cg, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", s.CgroupFD))
	if err != nil {
		return nil, err
	}
	if err := f.h.call("proc.clone", cg); err != nil {
		return nil, err
	}
	fd, err := unix.Dup(s.CgroupFD) // Start reads it again
	if err != nil {
		return nil, err
	}
	s.CgroupFD = fd
	return &fakeCloned{f: f, s: s, cg: cg}, nil
}

type fakeCloned struct {
	f  fakeProcs
	s  nsinit.Spec
	cg string
}

func (c *fakeCloned) Finish(cfg *nsinit.Config) (*nsinit.Process, error) {
	defer unix.Close(c.s.CgroupFD)
	c.s.Config = cfg
	return c.f.Start(c.s)
}

func (c *fakeCloned) Abort() {
	unix.Close(c.s.CgroupFD)
	_ = c.f.h.call("proc.abort", c.cg)
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
