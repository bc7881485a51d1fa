package probe

import (
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// An HTTP probe's socket is used again by the next probe in its pod's namespace when the
// server closed the connection first (its FIN came with or after the answer, the usual end of
// an answer to "Connection: close"): connect(2) to AF_UNSPEC takes the socket back to the
// closed state, with an RST to the server's end, which has closed already and waits for ours
// (FIN_WAIT2): no server program sees it, and no TIME_WAIT is left on either side. The socket
// stays in the scheduler's epoll set. The next probe then makes no socket (nor enters the
// namespace to make one), adds nothing to the set and closes nothing: measured on this host
// (BenchmarkFloor's "http-reuse-paced" against "http-batch-paced"), the system calls of an
// HTTP probe cost ~15% less.
// A server still holding its end open gets the kubelet's close (a FIN) as before; tcpSocket
// probes are always closed with a FIN.

// keepFor is how long a kept socket waits for its next probe: a probe of period 1 s (the rates
// where the CPU matters) finds its socket again.
const keepFor = 2 * time.Second

// maxKept is how many sockets are kept at most: a quarter of podd's file descriptors, between
// 64 and 4096 (1024 for a PID 1's 4096, one a pod for 1000 pods).
var maxKept = keptLimit()

func keptLimit() int {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return 64
	}
	return int(min(max(lim.Cur/4, 64), 4096))
}

type keptSocket struct {
	fd   int
	mask uint32 // the events it is in the epoll set for
	at   time.Time
}

// rawDisconnect takes fd back to the closed state (connect to AF_UNSPEC), ready to connect
// again.
func rawDisconnect(fd int) bool {
	sa := unix.RawSockaddrAny{}
	sa.Addr.Family = unix.AF_UNSPEC
	_, _, e := unix.RawSyscall(unix.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(&sa)), unix.SizeofSockaddrInet4)
	return e == 0
}

// keep keeps fd, disconnected, for another probe in ns; false when it is not kept (the
// caller closes it).
func (sp *spares) keep(ns *os.File, family, fd int, mask uint32) bool {
	if ns == nil || !rawDisconnect(fd) {
		return false
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.nKept >= maxKept {
		return false
	}
	if sp.kept == nil {
		sp.kept = map[spareKey][]keptSocket{}
	}
	k := spareKey{ns, family}
	sp.kept[k] = append(sp.kept[k], keptSocket{fd, mask, time.Now()})
	sp.nKept++
	return true
}

// takeKept returns a kept socket of ns and family and the events it is in the set for, or -1.
func (sp *spares) takeKept(ns *os.File, family int) (int, uint32) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	k := spareKey{ns, family}
	list := sp.kept[k]
	if len(list) == 0 {
		return -1, 0
	}
	x := list[len(list)-1]
	sp.kept[k] = list[:len(list)-1] // an empty list stays, its array for the next keep
	sp.nKept--
	return x.fd, x.mask
}

// notCovered returns the jobs (of s's probers, dialing in a pod's namespace) that no kept
// socket will meet, in pass.rest. It looks up only the jobs' namespaces, and closes the sockets
// kept too long at most every keepFor/2: nothing here grows with the number of pods.
func (sp *spares) notCovered(jobs []Job, s *Sockets, pass *preparePass) []*probeJob {
	rest := pass.rest[:0]
	clear(pass.used)
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if now := time.Now(); now.Sub(sp.expired) >= keepFor/2 {
		sp.expireKept(now)
		sp.expired = now
	}
	for _, j := range jobs {
		pj, ok := j.(*probeJob)
		if !ok || pj.p.sockets != s || pj.family < 0 {
			continue
		}
		k := spareKey{pj.p.target.NetNS, pj.family}
		if n := pass.used[k]; n < len(sp.kept[k]) {
			pass.used[k] = n + 1
			continue
		}
		rest = append(rest, pj)
	}
	return rest
}

// expireKept closes the sockets kept for longer than keepFor. sp.mu is held.
func (sp *spares) expireKept(now time.Time) {
	for k, list := range sp.kept {
		fresh := list[:0]
		for _, x := range list {
			if now.Sub(x.at) > keepFor {
				rawClose(x.fd)
				sp.nKept--
			} else {
				fresh = append(fresh, x)
			}
		}
		sp.kept[k] = fresh // kept even empty, for its array: drop removes a namespace's lists
	}
}

// dropKept closes the sockets kept in ns. sp.mu is held.
func (sp *spares) dropKept(ns *os.File) {
	for k, list := range sp.kept {
		if k.ns == ns {
			for _, x := range list {
				rawClose(x.fd)
			}
			sp.nKept -= len(list)
			delete(sp.kept, k)
		}
	}
}
