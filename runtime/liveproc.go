package runtime

import (
	"strconv"
	"strings"
	"time"

	"github.com/podd/podd/cgroupfs"
	"github.com/podd/podd/nsinit"
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
	all := p.all()
	out := make([]*liveProc, len(all))
	for i, c := range all {
		out[i] = p.findLiveIn(c)
	}
	return out
}

func (p *pod) findLiveIn(c *container) *liveProc {
	pids, _ := p.rt.cg.Pids(c.cgroup())
	if !p.pidMode.private() {
		return p.findRecorded(c, pids)
	}
	var found []*liveProc
	for _, pid := range pids {
		if lp := p.rt.procs.find(pid, c.cgroup()); lp != nil {
			found = append(found, lp)
		}
	}
	if len(found) == 0 {
		if len(pids) > 0 { // why a restarted podd would restart a container that still runs
			logf("pod %s/%s: container %s: none of the pids %v in its cgroup is its PID namespace's init: not adopted", p.obj.Namespace, p.obj.Name, c.name(), pids)
		}
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
		start, err = nsinit.StartTime(pid)
		return err == nil && nsinit.IsNSInit(pid)
	})
	if fd < 0 {
		return nil
	}
	return &liveProc{pid: pid, handle: pidfd(fd), start: start}
}

// pidfdInCgroup opens a pidfd for pid if the process lives in the cgroup cg and passes check
// (nil: no other check), read after the pidfd was opened (nsinit.PidfdChecked). It returns -1
// when pid is gone or fails a check, and an error only when pidfd_open fails otherwise.
func pidfdInCgroup(pid int, cg string, check func() bool) (int, error) {
	return nsinit.PidfdChecked(pid, func() bool {
		path, err := cgroupfs.PidPath(pid)
		return err == nil && path != "/" && strings.HasSuffix(cg, path) && (check == nil || check())
	})
}

// sameStart tells whether a process that started at proc is the run recorded as started at
// rec: podd records the time after the process exec'd (the setup takes milliseconds to
// seconds on a loaded machine), and the boot time /proc gives is rounded to the second.
func sameStart(proc, rec time.Time) bool {
	return !proc.After(rec.Add(2*time.Second)) && proc.After(rec.Add(-time.Minute))
}

func pidFromID(id string) int {
	pid, _ := strconv.Atoi(id[strings.LastIndex(id, "/")+1:])
	return pid
}
