package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/podd/podd/internal/reaper"
	"github.com/podd/podd/netsetup"
	"github.com/podd/podd/nsinit"
	corev1 "k8s.io/api/core/v1"
)

// Recover brings back every pod recorded under the state directory, as a restarted podd must:
// containers still running are adopted (their exit is watched through a pidfd), the others are
// marked as lost and restarted as their restart policy says. A pod whose apply was cut short
// (its in-progress marker is still there) is rolled back entirely; a pod being deleted is
// deleted. A pod that cannot be brought back keeps its record and is reported, so it can still
// be deleted. Then what belongs to no pod is cleaned up and reported (cleanOrphans).
func (rt *Runtime) Recover() {
	entries, err := os.ReadDir(rt.podsDir())
	if err != nil {
		logf("recover: %v", err)
		return
	}
	known := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() && rt.recoverDir(e.Name()) {
			known[e.Name()] = true
		}
	}
	rt.cleanOrphans(known)
	rt.pruneKept(rt.keptStdio())
}

// recoverDir recovers, rolls back or cleans up the pod directory uid; it reports whether a pod
// with that uid lives on.
func (rt *Runtime) recoverDir(uid string) bool {
	dir := filepath.Join(rt.podsDir(), uid)
	_, merr := os.Stat(filepath.Join(dir, applyingMarker))
	applying := merr == nil
	obj, err := readRecord(filepath.Join(dir, "pod.json"))
	if err == nil {
		err = checkRecord(obj, uid)
	}
	switch {
	case err != nil && applying:
		err = rt.cleanupUID(uid)
		logf("recover %s: an apply cut short before its record was written: removed what it made%s", uid, errSuffix(err))
		return false
	case errors.Is(err, fs.ErrNotExist):
		err = rt.cleanupUID(uid)
		logf("recover %s: a pod directory without a record (a delete cut short): removed what was left%s", uid, errSuffix(err))
		return false
	case err != nil:
		kept, kerr := rt.keepCorrupt(uid)
		if kerr != nil {
			kept = "nowhere: " + kerr.Error()
		}
		cerr := rt.cleanupUID(uid)
		logf("recover %s: cannot read the pod record (%v): killed its processes, removed its cgroup, "+
			"namespace pins, address and directories%s; the record is kept at %s", uid, err, errSuffix(cerr), kept)
		return false
	}
	p := rt.restored(obj)
	if applying {
		p.ns = &netsetup.PodNS{Dir: p.nsDir()}
		p.teardown() // the containers never ran for a client: nothing to stop first
		logf("recover pod %s/%s: its apply was cut short by podd's end: rolled it back", obj.Namespace, obj.Name)
		return false
	}
	rt.mu.Lock()
	rt.pods[key(obj.Namespace, obj.Name)] = p
	rt.mu.Unlock()
	if obj.DeletionTimestamp != nil {
		rt.finishDelete(p)
		return true
	}
	if err := p.recover(); err != nil {
		logf("recover pod %s/%s: %v", obj.Namespace, obj.Name, err)
		p.mu.Lock()
		p.obj.Status.Phase = corev1.PodUnknown
		p.obj.Status.Message = "podd restarted and could not recover the pod: " + err.Error()
		p.mu.Unlock()
	}
	return true
}

func readRecord(path string) (*corev1.Pod, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var obj corev1.Pod
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	return &obj, nil
}

// restored rebuilds the in-memory pod from its record. Each container takes the status
// recorded under its name (the first one), or a new one: a record's statuses need not match its
// containers one to one (an older podd's, a damaged one), and every status is indexed by
// container position from here on.
func (rt *Runtime) restored(obj *corev1.Pod) *pod {
	p := &pod{rt: rt, obj: obj, started: make(chan struct{}), gone: make(chan struct{})}
	p.sandbox = rt.newSandbox(obj)
	close(p.started)
	p.addContainers()
	recorded := append(append([]corev1.ContainerStatus(nil), obj.Status.InitContainerStatuses...), obj.Status.ContainerStatuses...)
	p.initStatuses()
	for _, c := range p.all() {
		if cs := statusNamed(recorded, c.spec.Name); cs != nil {
			*c.status() = *cs
			c.restarts = max(cs.RestartCount, 0)
		}
	}
	return p
}

func statusNamed(all []corev1.ContainerStatus, name string) *corev1.ContainerStatus {
	for i := range all {
		if all[i].Name == name {
			return &all[i]
		}
	}
	return nil
}

// recover re-creates or re-adopts the sandbox, adopts live containers and starts supervising.
func (p *pod) recover() error {
	if err := p.resolveImages(false); err != nil {
		return err
	}
	live := p.findLive()
	defer closeLive(live)
	var pids []int
	for _, lp := range live {
		if lp != nil {
			pids = append(pids, lp.pid)
		}
	}
	err := p.sandbox.recover(pids)
	p.setPodIP()
	if err != nil {
		return err
	}
	for i, c := range p.all() {
		if live[i] != nil { // a container started by a podd without the device filter gets it now
			if err := c.attachDeviceFilter(); err != nil {
				logf("pod %s: container %s: %v", p.obj.Name, c.name(), err)
			}
			// A podd killed between clone and exec left the setup's lifted cpu.max.
			if limit := p.rt.containerResources(c.spec).CPUMax; limit != "" {
				if err := p.rt.cg.SetCPUMax(c.cgroup(), limit); err != nil {
					logf("pod %s: container %s: %v", p.obj.Name, c.name(), err)
				}
			}
		}
	}
	p.mu.Lock()
	for i, c := range p.all() {
		p.adopt(c, live[i])
	}
	p.updatePhase()
	p.supervised = true
	p.mu.Unlock()
	p.save()
	p.startMounter()
	p.superviseAll()
	p.watchDeadline()
	return nil
}

// superviseAll starts a supervisor for each container (p.wg counts them), or, for a pod with
// init containers that was not initialized yet, the initializer, which goes on where it was.
func (p *pod) superviseAll() {
	if len(p.inits) > 0 && !p.initialized() || p.orderedStart() && p.appNeverRan() {
		p.startInitializer()
		return
	}
	for _, c := range p.all() {
		if !c.init || c.sidecar() {
			p.supervise(c)
		}
	}
}

// initialized: the Initialized condition is true (an app container started, or every init
// container completed).
func (p *pod) initialized() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.obj.Status.Conditions {
		if c.Type == corev1.PodInitialized {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// superviseLive starts a supervisor for each container that has a process (a delete finishes).
func (p *pod) superviseLive() {
	for _, c := range p.all() {
		if c.proc != nil {
			p.supervise(c)
		}
	}
}

// finishDelete ends the delete a previous podd had recorded (deletionTimestamp) but not
// finished: live containers are adopted and stopped within what is left of the grace period,
// nothing is restarted, and the pod is torn down.
func (rt *Runtime) finishDelete(p *pod) {
	logf("pod %s/%s was being deleted when podd stopped: finishing the delete", p.obj.Namespace, p.obj.Name)
	live := p.findLive()
	for _, c := range p.all() {
		_ = p.resolveImage(c) // for the status of an adopted container; not needed to stop it
	}
	p.ns = &netsetup.PodNS{Dir: p.nsDir()} // only removed from now on
	p.mu.Lock()
	for i, c := range p.all() {
		p.adopt(c, live[i])
	}
	p.supervised = true
	p.mu.Unlock()
	closeLive(live)
	p.superviseLive()
	grace := max(time.Until(p.obj.DeletionTimestamp.Time), 0)
	go func() {
		p.delete(grace)
		rt.forget(p)
		logf("pod %s/%s deleted", p.obj.Namespace, p.obj.Name)
	}()
}

func (p *pod) resolveImage(c *container) error {
	img, err := p.rt.images.Resolve(c.spec.Image)
	if err == nil {
		c.img = img
	}
	return err
}

// adopt takes over a live container process, or records that it was lost while podd was down.
// Called with p.mu held.
func (p *pod) adopt(c *container, lp *liveProc) {
	lost := "no process of it in its cgroup"
	if lp != nil {
		exit, err := p.rt.procs.watch(lp.pid)
		alive := err == nil && lp.alive()
		switch {
		case err != nil:
			lost = fmt.Sprintf("watch pid %d: %v", lp.pid, err)
		case !alive:
			lost = fmt.Sprintf("pid %d ended", lp.pid)
		}
		if alive {
			c.proc = &nsinit.Process{Pid: lp.pid, Exit: exit}
			if lp.sameRun {
				c.startedAt = c.status().State.Running.StartedAt.Time
				c.resumeRun(lp.pid)
				return
			}
			// A run the record does not know of: started (a restart) by a podd that died
			// before it saved the Running status. Its log is the next one.
			if _, err := os.Stat(c.logPath(c.restarts + 1)); err == nil {
				c.restarts++
			}
			c.startedAt = lp.start
			if c.img != nil {
				c.setRunning(lp.start)
			}
			c.resumeRun(lp.pid)
			logf("pod %s/%s: adopted container %s (pid %d) started by the previous podd", p.obj.Namespace, p.obj.Name, c.name(), lp.pid)
			return
		}
	}
	if c.status().State.Running != nil {
		logf("pod %s/%s: container %s was running and is gone (%s): ContainerStatusUnknown", p.obj.Namespace, p.obj.Name, c.name(), lost)
		c.setTerminated(reaper.Exit{Time: time.Now(), Unknown: true}, "ContainerStatusUnknown")
	}
}
