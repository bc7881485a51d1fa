package runtime

import (
	"sync"
	"time"

	"github.com/podd/podd/bpf/oom"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
)

const reasonOOMKilling = "OOMKilling"

// oomWatch maps the OOM kills the watcher (bpf/oom) reports to containers, by the cgroup v2 id
// of each supervised container's cgroup, and records the OOMKilling event. The container's
// Terminated reason OOMKilled comes from memory.events when its process exits (supervise.go).
type oomWatch struct {
	w   oom.Watcher
	why string // why the fallback runs ("" with eBPF)
	mu  sync.Mutex
	ids map[uint64]*container
	// lat holds the latest report latencies (kill to event recorded), for Info.
	lat    []time.Duration
	onKill func(namespace, pod, container string) // counts kills (metrics); nil: none
}

// startOOMWatch opens the OOM watcher (eBPF unless disabled or refused) and consumes its events.
func (rt *Runtime) startOOMWatch(useEBPF bool, program string) {
	w, why, err := oom.Open(useEBPF, program)
	if err != nil {
		logf("oom watch: none: %v (fallback after: %s)", err, why)
		return
	}
	o := &oomWatch{w: w, why: why, ids: map[uint64]*container{}}
	if why != "" {
		logf("oom watch: %s (fallback: %s)", w.Mechanism(), why)
	} else {
		logf("oom watch: %s", w.Mechanism())
	}
	rt.oom = o
	go o.run()
}

func (rt *Runtime) stopOOMWatch() {
	if rt.oom != nil {
		rt.oom.w.Close()
	}
}

// watch starts reporting kills in c's cgroup; unwatch stops it.
func (o *oomWatch) watch(c *container) {
	if o == nil {
		return
	}
	dir := c.cgroup()
	id, err := oom.CgroupID(dir)
	if err != nil {
		logf("oom watch %s: %v", c.name(), err)
		return
	}
	if err := o.w.Watch(dir); err != nil {
		logf("oom watch %s: %v", c.name(), err)
	}
	o.mu.Lock()
	o.ids[id] = c
	o.mu.Unlock()
}

func (o *oomWatch) unwatch(c *container) {
	if o == nil {
		return
	}
	o.w.Unwatch(c.cgroup())
	o.mu.Lock()
	for id, x := range o.ids {
		if x == c {
			delete(o.ids, id)
		}
	}
	o.mu.Unlock()
}

func (o *oomWatch) run() {
	for e := range o.w.Events() {
		o.mu.Lock()
		c, onKill := o.ids[e.CgroupID], o.onKill
		o.mu.Unlock()
		if c == nil {
			continue // not a container's (the host's, or podd's own)
		}
		c.p.event(corev1.EventTypeWarning, reasonOOMKilling, e.Message())
		o.log(c, e)
		for range e.Kills {
			if onKill != nil {
				onKill(c.p.obj.Namespace, c.p.obj.Name, c.name())
			}
		}
	}
}

func (o *oomWatch) log(c *container, e oom.Event) {
	where := c.p.obj.Namespace + "/" + c.p.obj.Name + " container " + c.name()
	if e.PID == 0 {
		logf("oom kill in %s: %s", where, e.Message())
		return
	}
	logf("oom kill in %s: pid %d (%s) anon-rss %d kB, uid %d, oom_score_adj %d; recorded %v after the kill",
		where, e.PID, e.Comm, e.AnonRSS>>10, e.UID, e.OOMScoreAdj, o.since(e.KernelTime))
}

// since is the time from a kill at CLOCK_MONOTONIC k to now (0 when k is unknown), kept for Info.
func (o *oomWatch) since(k time.Duration) time.Duration {
	if k == 0 {
		return 0
	}
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 0
	}
	lat := time.Duration(ts.Nano()) - k
	o.mu.Lock()
	o.lat = append(o.lat[max(0, len(o.lat)-maxOOMLatencies+1):], lat)
	o.mu.Unlock()
	return lat
}

const maxOOMLatencies = 1000

// OnOOMKill has f called for each process the OOM killer kills in a container.
func (rt *Runtime) OnOOMKill(f func(namespace, pod, container string)) {
	if rt.oom == nil {
		return
	}
	rt.oom.mu.Lock()
	rt.oom.onKill = f
	rt.oom.mu.Unlock()
}

// OOMWatch reports the OOM watcher's mechanism and, for a fallback, why ("" with eBPF); both
// empty when none runs.
func (rt *Runtime) OOMWatch() (mechanism, why string) {
	if rt.oom == nil {
		return "", ""
	}
	return rt.oom.w.Mechanism(), rt.oom.why
}

// OOMLatencies returns the latest kill-to-event latencies (eBPF only: the fallback has no
// kernel time).
func (rt *Runtime) OOMLatencies() []time.Duration {
	if rt.oom == nil {
		return nil
	}
	rt.oom.mu.Lock()
	defer rt.oom.mu.Unlock()
	return append([]time.Duration(nil), rt.oom.lat...)
}
