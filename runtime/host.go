package runtime

import (
	"os"

	"github.com/podd/podd/internal/reaper"
	"github.com/podd/podd/nsinit"
	"golang.org/x/sys/unix"
)

// The OS work runtime does goes through fields of Runtime set in New, so that unit tests run
// the whole state machine on fakes, without root:
//
//	cg      cgroupfs.Manager     create, set, kill, freeze, remove cgroups; stats
//	pins    netsetup.Namespaces  pin, enter, unpin the sandbox's namespaces
//	net     netsetup.Addresses   the sandbox's address and veth (nil: no pod network)
//	launch  nsinit.Starter       start container processes, exec commands in them (nsinit)
//	procs   processes            signal, find, watch container processes; their pidfds
//	devices func                 attach a container's device filter (cgroupfs/devices)
//	after   func                 the restart backoff's clock (time.After)

// processes signals, finds and watches container processes (starting them is nsinit.Starter's
// work). Defined here, in the narrowest form runtime needs, around /proc, pidfds and the reaper;
// hostProcs is the real one.
type processes interface {
	signal(pid int, sig unix.Signal) error
	// catches reports whether pid has a handler for sig (a PID namespace's init ignores the
	// signals it does not catch).
	catches(pid int, sig unix.Signal) bool
	// find opens the process pid if it is a container's process (the init of its own PID
	// namespace) in the cgroup cg; nil if it is not, or is gone.
	find(pid int, cg string) *liveProc
	// watch follows the exit of a container process podd did not start in this life.
	watch(pid int) (<-chan reaper.Exit, error)
	// openPidfd opens a pidfd of pid if that process lives in the cgroup cg (a pid read
	// earlier may have been reused); -1 if it does not or is gone.
	openPidfd(pid int, cg string) (int, error)
}

// hostProcs are the processes of this machine, children of podd's reaper.
type hostProcs struct{ reaper *reaper.Reaper }

func (hostProcs) signal(pid int, sig unix.Signal) error { return unix.Kill(pid, sig) }
func (hostProcs) catches(pid int, sig unix.Signal) bool { return nsinit.CatchesSignal(pid, sig) }
func (hostProcs) find(pid int, cg string) *liveProc     { return openLive(pid, cg) }
func (hostProcs) openPidfd(pid int, cg string) (int, error) {
	return pidfdInCgroup(pid, cg, nil)
}

// watch: still podd's child after an in-place re-exec (live upgrade), the reaper gets the real
// exit status; otherwise (podd crashed or was restarted, the process was reparented) a pidfd
// reports the exit without it.
func (h hostProcs) watch(pid int) (<-chan reaper.Exit, error) {
	if nsinit.ParentOf(pid) == os.Getpid() {
		return h.reaper.Claim(pid), nil
	}
	return reaper.Watch(pid)
}
