package runtime

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/podd/podd/cgroupfs"
	"golang.org/x/sys/unix"
)

// liveProc is a container's process found by a restarted podd, held by a handle (a pidfd) so
// its pid cannot be mistaken for a later process's.
type liveProc struct {
	pid     int
	handle  procHandle
	start   time.Time // when the process started (from /proc/PID/stat)
	sameRun bool      // the run the record says is running (same pid, matching start time)
}

// procHandle refers to one process, never to a later one with the same pid.
type procHandle interface {
	alive() bool // the process still runs: while it does, its pid names it and nothing else
	kill()
	close()
}

// pidfd is the real procHandle.
type pidfd int

func (fd pidfd) alive() bool { return unix.PidfdSendSignal(int(fd), 0, nil, 0) == nil }
func (fd pidfd) kill()       { _ = unix.PidfdSendSignal(int(fd), unix.SIGKILL, nil, 0) }
func (fd pidfd) close()      { unix.Close(int(fd)) }

func (lp *liveProc) alive() bool { return lp.handle.alive() }

func closeLive(live []*liveProc) {
	for _, lp := range live {
		if lp != nil {
			lp.handle.close()
		}
	}
}

// findLive finds each container's running process in the container's cgroup, not from the
// pid the record holds: a podd killed between cloning a process and saving its status left a
// record that does not name it. The container's process is the init of its own PID namespace
// in the cgroup (exec'd commands are not). Should a cgroup hold several (a run podd lost track
// of), the one the record names is kept, or else the oldest, and the others are killed.
func (p *pod) findLive() []*liveProc {
	out := make([]*liveProc, len(p.ctrs))
	for i, c := range p.ctrs {
		out[i] = p.findLiveIn(c)
	}
	return out
}

func (p *pod) findLiveIn(c *container) *liveProc {
	pids, _ := p.rt.cg.Pids(c.cgroup())
	var found []*liveProc
	for _, pid := range pids {
		if lp := p.rt.procs.find(pid, c.cgroup()); lp != nil {
			found = append(found, lp)
		}
	}
	if len(found) == 0 {
		return nil
	}
	st := c.status()
	keep := found[0]
	for _, lp := range found {
		if st.State.Running != nil && lp.pid == pidFromID(st.ContainerID) && sameStart(lp.start, st.State.Running.StartedAt.Time) {
			lp.sameRun = true
			keep = lp
			break
		}
		if lp.start.Before(keep.start) {
			keep = lp
		}
	}
	for _, lp := range found {
		if lp != keep {
			logf("pod %s/%s: container %s has a second process (pid %d; keeping %d): killed", p.obj.Namespace, p.obj.Name, c.name(), lp.pid, keep.pid)
			lp.handle.kill()
			lp.handle.close()
		}
	}
	return keep
}

// openLive opens a pidfd for pid if it is a PID namespace's init living in the cgroup cg, and
// takes its start time.
func openLive(pid int, cg string) *liveProc {
	var start time.Time
	fd, _ := pidfdInCgroup(pid, cg, func() bool {
		var err error
		start, err = procStart(pid)
		return err == nil && isNSInit(pid)
	})
	if fd < 0 {
		return nil
	}
	return &liveProc{pid: pid, handle: pidfd(fd), start: start}
}

// pidfdInCgroup opens a pidfd for pid first, then checks that the process lives in the cgroup
// cg and passes check (nil: no other check); the pidfd still referring to a live process
// afterwards proves /proc/PID was that process (no pid reuse). It returns -1 when pid is gone
// or fails a check, and an error only when pidfd_open fails otherwise.
func pidfdInCgroup(pid int, cg string, check func() bool) (int, error) {
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return -1, nil
	}
	if err != nil {
		return -1, fmt.Errorf("pidfd_open %d: %w", pid, err)
	}
	path, err := cgroupfs.PidPath(pid)
	ok := err == nil && path != "/" && strings.HasSuffix(cg, path) && (check == nil || check())
	if !ok || unix.PidfdSendSignal(fd, 0, nil, 0) != nil {
		unix.Close(fd)
		return -1, nil
	}
	return fd, nil
}

// isNSInit reports whether pid is PID 1 of a PID namespace one level below podd's (NSpid
// ends in 1 and has one more level than podd's own): a container's process, not a command
// exec'd into it, nor the init of a namespace the container made itself.
func isNSInit(pid int) bool {
	ids := nsPids("/proc/" + strconv.Itoa(pid) + "/status")
	self := nsPids("/proc/self/status")
	return len(self) > 0 && len(ids) == len(self)+1 && ids[len(ids)-1] == "1"
}

// nsPids is the NSpid line of a /proc status file: the pid in each PID namespace, ours first.
func nsPids(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "NSpid:"); ok {
			return strings.Fields(v)
		}
	}
	return nil
}

// sameStart tells whether a process that started at proc is the run recorded as started at
// rec: podd records the time after the process exec'd (the setup takes milliseconds to
// seconds on a loaded machine), and the boot time /proc gives is rounded to the second.
func sameStart(proc, rec time.Time) bool {
	return !proc.After(rec.Add(2*time.Second)) && proc.After(rec.Add(-time.Minute))
}

// procStart is when pid started: field 22 of /proc/PID/stat, in clock ticks since boot.
func procStart(pid int) (time.Time, error) {
	fields := statFields(pid)
	if len(fields) < 20 {
		return time.Time{}, os.ErrNotExist
	}
	ticks, err := strconv.ParseInt(fields[19], 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	boot, err := bootTime()
	if err != nil {
		return time.Time{}, err
	}
	const userHZ = 100 // USER_HZ, what /proc reports in on every Linux architecture podd runs on
	return boot.Add(time.Duration(ticks) * time.Second / userHZ), nil
}

var bootTime = sync.OnceValues(func() (time.Time, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return time.Unix(secs, 0), err
		}
	}
	return time.Time{}, os.ErrNotExist
})

func pidFromID(id string) int {
	pid, _ := strconv.Atoi(id[strings.LastIndex(id, "/")+1:])
	return pid
}
