package runtime

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/podd/podd/cgroupfs"
	"github.com/podd/podd/internal/reaper"
	"github.com/podd/podd/netsetup"
	"github.com/podd/podd/nsinit"
	corev1 "k8s.io/api/core/v1"
)

// Recover brings back every pod recorded under the state directory, as a restarted podd must:
// containers still running are adopted (their exit is watched through a pidfd), the others are
// marked as lost and restarted as their restart policy says. A pod that cannot be brought back
// keeps its record and is reported, so it can still be deleted.
func (rt *Runtime) Recover() {
	entries, err := os.ReadDir(rt.podsDir())
	if err != nil {
		logf("recover: %v", err)
		return
	}
	for _, e := range entries {
		obj, err := readRecord(filepath.Join(rt.podsDir(), e.Name(), "pod.json"))
		if err != nil {
			logf("recover %s: %v", e.Name(), err)
			continue
		}
		p := rt.restored(obj)
		rt.mu.Lock()
		rt.pods[key(obj.Namespace, obj.Name)] = p
		rt.mu.Unlock()
		if err := p.recover(); err != nil {
			logf("recover pod %s/%s: %v", obj.Namespace, obj.Name, err)
			p.mu.Lock()
			p.obj.Status.Phase = corev1.PodUnknown
			p.obj.Status.Message = "podd restarted and could not recover the pod: " + err.Error()
			p.mu.Unlock()
		}
	}
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

// restored rebuilds the in-memory pod from its record.
func (rt *Runtime) restored(obj *corev1.Pod) *pod {
	p := &pod{rt: rt, obj: obj, started: make(chan struct{}), gone: make(chan struct{})}
	close(p.started)
	for i := range obj.Spec.Containers {
		c := &container{p: p, idx: i, spec: &obj.Spec.Containers[i], stop: make(chan time.Time, 1)}
		if i < len(obj.Status.ContainerStatuses) {
			c.restarts = obj.Status.ContainerStatuses[i].RestartCount
		} else {
			p.initStatuses()
		}
		p.ctrs = append(p.ctrs, c)
	}
	return p
}

// recover re-creates or re-adopts the sandbox, adopts live containers and starts supervising.
func (p *pod) recover() error {
	if err := p.resolveImages(); err != nil {
		return err
	}
	live := p.livePids()
	if err := p.recoverSandbox(live); err != nil {
		return err
	}
	for i, c := range p.ctrs {
		if live[i] != 0 { // a container started by a podd without the device filter gets it now
			if err := c.attachDeviceFilter(); err != nil {
				logf("pod %s: container %s: %v", p.obj.Name, c.name(), err)
			}
		}
	}
	p.mu.Lock()
	for i, c := range p.ctrs {
		p.adopt(c, live[i])
	}
	p.updatePhase()
	p.supervised = true
	p.mu.Unlock()
	p.save()
	for _, c := range p.ctrs {
		p.wg.Add(1)
		go c.supervise()
	}
	return nil
}

// livePids finds, per container, the recorded process if it still runs in the container's
// cgroup (which also rules out a reused pid); 0 otherwise.
func (p *pod) livePids() []int {
	pids := make([]int, len(p.ctrs))
	for i, c := range p.ctrs {
		st := c.status()
		if st.State.Running == nil {
			continue
		}
		pid := pidFromID(st.ContainerID)
		if cg, err := cgroupfs.PidPath(pid); err == nil && pid > 0 && strings.HasSuffix(c.cgroup(), cg) {
			pids[i] = pid
		}
	}
	return pids
}

func pidFromID(id string) int {
	pid, _ := strconv.Atoi(id[strings.LastIndex(id, "/")+1:])
	return pid
}

// recoverSandbox reopens the pinned namespaces; if the pins are gone (they lived in the old
// podd's mount namespace, or the machine rebooted) it re-pins them from a live container, or
// makes new ones with a fresh IP when no container survived.
func (p *pod) recoverSandbox(live []int) error {
	ns, err := netsetup.OpenPodNS(p.nsDir())
	for _, pid := range live {
		if err == nil || pid == 0 {
			continue
		}
		ns, err = netsetup.AdoptPodNS(p.nsDir(), pid)
	}
	if err != nil {
		return p.rebuildSandbox()
	}
	p.ns = ns
	return p.createCgroup()
}

func (p *pod) rebuildSandbox() error {
	if p.rt.net != nil {
		_ = p.rt.net.Release(p.uid())
	}
	if err := p.createNamespaces(); err != nil {
		return err
	}
	return p.createCgroup()
}

// adopt takes over a live container process, or records that it was lost while podd was down.
// Called with p.mu held.
func (p *pod) adopt(c *container, pid int) {
	if pid != 0 {
		if exit, err := p.rt.watch(pid); err == nil {
			c.proc = &nsinit.Process{Pid: pid, Exit: exit}
			c.startedAt = c.status().State.Running.StartedAt.Time
			return
		}
	}
	if c.status().State.Running != nil {
		c.setTerminated(reaper.Exit{Time: time.Now(), Unknown: true}, "ContainerStatusUnknown")
	}
}

// watch follows a container process podd did not start in this life: still its child after an
// in-place re-exec (live upgrade), the reaper gets the real exit status; otherwise (podd
// crashed or was restarted, the process was reparented) a pidfd reports the exit without it.
func (rt *Runtime) watch(pid int) (<-chan reaper.Exit, error) {
	if parentOf(pid) == os.Getpid() {
		return rt.reaper.Claim(pid), nil
	}
	return reaper.Watch(pid)
}

// parentOf reads the parent pid from /proc/PID/stat (the field after the command's ")").
func parentOf(pid int) int {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}
