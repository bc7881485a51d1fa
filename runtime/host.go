package runtime

import (
	"os"
	"strconv"
	"strings"

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
//	procs   processes            start (nsinit), signal, find and watch container processes
//	devices func                 attach a container's device filter (cgroupfs/devices)
//	after   func                 the restart backoff's clock (time.After)

// processes starts, signals, finds and watches container processes. Defined here, in the
// narrowest form runtime needs, around nsinit.Start and the reaper; hostProcs is the real one.
type processes interface {
	// start clones a container process (nsinit) and returns once its command was exec'd; it
	// runs inside the sandbox's namespaces (netsetup.Namespaces.Do).
	start(s nsinit.Spec) (*nsinit.Process, error)
	signal(pid int, sig unix.Signal) error
	// catches reports whether pid has a handler for sig (a PID namespace's init ignores the
	// signals it does not catch).
	catches(pid int, sig unix.Signal) bool
	// find opens the process pid if it is a container's process (the init of its own PID
	// namespace) in the cgroup cg; nil if it is not, or is gone.
	find(pid int, cg string) *liveProc
	// watch follows the exit of a container process podd did not start in this life.
	watch(pid int) (<-chan reaper.Exit, error)
}

// hostProcs are the processes of this machine, children of podd's reaper.
type hostProcs struct{ reaper *reaper.Reaper }

func (h hostProcs) start(s nsinit.Spec) (*nsinit.Process, error) { return nsinit.Start(h.reaper, s) }
func (hostProcs) signal(pid int, sig unix.Signal) error          { return unix.Kill(pid, sig) }
func (hostProcs) catches(pid int, sig unix.Signal) bool          { return catchesSignal(pid, sig) }
func (hostProcs) find(pid int, cg string) *liveProc              { return openLive(pid, cg) }

// watch: still podd's child after an in-place re-exec (live upgrade), the reaper gets the real
// exit status; otherwise (podd crashed or was restarted, the process was reparented) a pidfd
// reports the exit without it.
func (h hostProcs) watch(pid int) (<-chan reaper.Exit, error) {
	if parentOf(pid) == os.Getpid() {
		return h.reaper.Claim(pid), nil
	}
	return reaper.Watch(pid)
}

// catchesSignal reads SigCgt from /proc/PID/status.
func catchesSignal(pid int, sig unix.Signal) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "SigCgt:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && mask&(1<<(uint(sig)-1)) != 0
		}
	}
	return false
}

// parentOf reads the parent pid from /proc/PID/stat (the field after the command's ")").
func parentOf(pid int) int {
	fields := statFields(pid)
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}

// statFields are the fields of /proc/PID/stat after the command: [0] is the state (field 3).
func statFields(pid int) []string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(data[i+1:]))
}
