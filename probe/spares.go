package probe

import (
	"cmp"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The sockets of a tick's probes are made together, ahead of their runs (Scheduler's
// Preparer): the worker about to run the first of them enters each pod's network namespace
// once for all of that namespace's probes, makes their sockets, and comes back once. A probe
// then takes its socket from the spares instead of entering the namespace itself (setns in and
// out). A spare not taken (its probe ended early, or was stopped) is closed at the pass after
// next, or when its container's probes stop: it keeps the namespace alive meanwhile.

// spares are the sockets made ahead, by namespace and family.
type spares struct {
	mu    sync.Mutex
	byKey map[spareKey][]spare
	pass  uint64 // the number of the last preparing pass
	// kept are sockets an HTTP probe used, disconnected and kept for another probe in their
	// namespace (kept.go): still in the scheduler's epoll set, so only its probes take them.
	kept    map[spareKey][]keptSocket
	nKept   int
	expired time.Time // when expireKept last ran
}

type spareKey struct {
	ns     *os.File // the Target's file: a key held here keeps the pointer from being reused
	family int
}

type spare struct {
	fd   int
	pass uint64
}

// socketNeed is a socket a probe run will want: made in ns, of family; p's run is held (Stop
// waits) until the socket is made, so that ns stays open.
type socketNeed struct {
	spareKey
	p *Prober
}

// Prepare makes the sockets of the jobs' probes that will dial (Preparer), but for those a
// kept socket (kept.go) will meet: these cost no lock nor look at their probe's state.
func (d *Dialer) Prepare(jobs []Job) {
	pass := passes.Get().(*preparePass)
	defer passes.Put(pass)
	rest := d.sockets.spares.notCovered(jobs, d.sockets, pass)
	needs := pass.needs[:0]
	defer func() { clear(rest); clear(needs); pass.rest, pass.needs = rest[:0], needs[:0] }()
	for _, j := range rest {
		if n, ok := j.socketNeed(); ok {
			needs = append(needs, n)
		}
	}
	if len(needs) > 0 {
		d.sockets.prepare(needs)
	}
}

// preparePass is what a Prepare call works with, kept from one call to the next: no
// allocation per tick.
type preparePass struct {
	used  map[spareKey]int // kept sockets counted for the pass's jobs, by namespace and family
	rest  []*probeJob      // the jobs no kept socket meets
	needs []socketNeed
}

var passes = sync.Pool{New: func() any { return &preparePass{used: map[spareKey]int{}} }}

// dialFamily is the address family of the job's dial in a pod's namespace, -1 when it dials
// none (a name to look up, a handler that does not dial, no namespace).
func (j *probeJob) dialFamily() int {
	d, ok := j.check.(interface{ dialHost(*Target) string })
	if !ok || j.p.target.NetNS == nil {
		return -1
	}
	ip, err := netip.ParseAddr(d.dialHost(&j.p.target))
	switch {
	case err != nil:
		return -1
	case ip.Unmap().Is4():
		return unix.AF_INET
	}
	return unix.AF_INET6
}

// socketNeed is the socket the job's next run will make, if it is due and dials an address
// (not a name) in a pod's namespace (j.family >= 0).
func (j *probeJob) socketNeed() (socketNeed, bool) {
	p := j.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ctx.Err() != nil || !p.state.Due(j.kind, p.clock.Now()) {
		return socketNeed{}, false
	}
	p.running.Add(1)
	return socketNeed{spareKey{p.target.NetNS, j.family}, p}, true
}

// prepare makes the needed sockets, entering each namespace once, then returns to podd's.
func (s *Sockets) prepare(needs []socketNeed) {
	defer func() {
		for _, n := range needs {
			n.p.running.Done()
		}
	}()
	slices.SortFunc(needs, func(a, b socketNeed) int {
		return cmp.Compare(uintptr(unsafe.Pointer(a.ns)), uintptr(unsafe.Pointer(b.ns)))
	})
	runtime.LockOSThread()
	if onMainThread() {
		runtime.UnlockOSThread()
		return
	}
	made := make([]spareKey, 0, len(needs))
	fds := make([]int, 0, len(needs))
	var in, failed *os.File
	for _, n := range needs {
		if n.ns == failed {
			continue
		}
		if n.ns != in {
			if err := rawSetns(n.ns); err != nil {
				failed = n.ns // its probes will say why, entering it themselves
				continue
			}
			in = n.ns
			s.entered.Add(1)
		}
		if fd, err := rawSocket(n.family); err == nil {
			made, fds = append(made, n.spareKey), append(fds, fd)
		}
	}
	if err := rawSetns(s.home); err != nil {
		for _, fd := range fds {
			rawClose(fd)
		}
		panicOnThread(fmt.Errorf("probe: return to podd's network namespace: %w", err))
	}
	runtime.UnlockOSThread()
	s.spares.add(made, fds)
}

// add keeps the sockets made by a pass, and closes those left from the pass before last.
func (sp *spares) add(keys []spareKey, fds []int) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	sp.pass++
	if sp.byKey == nil {
		sp.byKey = map[spareKey][]spare{}
	}
	for k, list := range sp.byKey {
		kept := list[:0]
		for _, x := range list {
			if x.pass+1 < sp.pass {
				rawClose(x.fd)
			} else {
				kept = append(kept, x)
			}
		}
		if len(kept) == 0 {
			delete(sp.byKey, k)
		} else {
			sp.byKey[k] = kept
		}
	}
	for i, k := range keys {
		sp.byKey[k] = append(sp.byKey[k], spare{fds[i], sp.pass})
	}
}

// take returns a socket made ahead in ns of family, or -1.
func (sp *spares) take(ns *os.File, family int) int {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	k := spareKey{ns, family}
	list := sp.byKey[k]
	if len(list) == 0 {
		return -1
	}
	fd := list[len(list)-1].fd
	if len(list) == 1 {
		delete(sp.byKey, k)
	} else {
		sp.byKey[k] = list[:len(list)-1]
	}
	return fd
}

// drop closes the spares made in ns: its probes stopped.
func (sp *spares) drop(ns *os.File) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	for k, list := range sp.byKey {
		if k.ns == ns {
			for _, x := range list {
				rawClose(x.fd)
			}
			delete(sp.byKey, k)
		}
	}
	sp.dropKept(ns)
}
