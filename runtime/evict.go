package runtime

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Eviction of pods whose emptyDir outgrows its sizeLimit, as kubelet's eviction manager does:
// every container is killed and not restarted, the pod turns Failed with reason Evicted and
// stays listed until it is deleted.
const (
	reasonEvicted  = "Evicted"
	duInterval     = time.Second
	duStepEntries  = 20000 // directory entries one volume's walk visits per interval
	emptyDirMsgFmt = "Usage of EmptyDir volume %q exceeds the limit %q."
)

// limitedVolume is an on-disk emptyDir with a sizeLimit, and its walk in progress.
type limitedVolume struct {
	name  string
	limit resource.Quantity
	walk  *duWalk
}

// watchEmptyDirs measures, every duInterval, the emptyDirs that set a sizeLimit (medium Memory
// is a tmpfs of that size: the kernel enforces it) and evicts the pods that exceed one.
func (rt *Runtime) watchEmptyDirs(ctx context.Context) {
	vols := map[*pod][]*limitedVolume{}
	t := time.NewTicker(duInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		seen := map[*pod]bool{}
		for _, p := range rt.podsWhere(func(p *pod) bool { return hasLimitedEmptyDir(p.obj) }) {
			if !p.watchable() {
				continue
			}
			seen[p] = true
			if _, ok := vols[p]; !ok {
				vols[p] = limitedVolumes(p.obj)
			}
			p.checkEmptyDirs(vols[p])
		}
		for p, vs := range vols {
			if !seen[p] {
				closeWalks(vs)
				delete(vols, p)
			}
		}
	}
}

// watchable: the pod is started and supervised, and not being deleted.
func (p *pod) watchable() bool {
	select {
	case <-p.started:
	default:
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.supervised && !p.deleting
}

func hasLimitedEmptyDir(obj *corev1.Pod) bool { return len(limitedVolumes(obj)) > 0 }

// limitedVolumes lists the pod's on-disk emptyDirs with a sizeLimit (the spec never changes).
func limitedVolumes(obj *corev1.Pod) []*limitedVolume {
	var out []*limitedVolume
	for _, v := range obj.Spec.Volumes {
		e := v.EmptyDir
		if e == nil || e.Medium == corev1.StorageMediumMemory || e.SizeLimit == nil || e.SizeLimit.Sign() <= 0 {
			continue
		}
		out = append(out, &limitedVolume{name: v.Name, limit: *e.SizeLimit})
	}
	return out
}

func closeWalks(vs []*limitedVolume) {
	for _, v := range vs {
		if v.walk != nil {
			v.walk.close()
		}
	}
}

// checkEmptyDirs advances each volume's walk and evicts the pod once one is over its limit; an
// evicted pod that has a process again (started in a race with the eviction, or adopted after a
// podd restart) has it killed.
func (p *pod) checkEmptyDirs(vs []*limitedVolume) {
	if p.evicted() {
		if p.anyRunning() {
			p.killAll()
		}
		return
	}
	for _, v := range vs {
		if v.walk == nil {
			v.walk = newDuWalk(p.volumeDir(v.name))
		}
		used, done, err := v.walk.step(duStepEntries)
		if err != nil {
			logf("pod %s/%s: emptyDir %s usage: %v", p.obj.Namespace, p.obj.Name, v.name, err)
		}
		if used > v.limit.Value() {
			p.evict(fmt.Sprintf(emptyDirMsgFmt, v.name, v.limit.String()))
			closeWalks(vs)
			return
		}
		if done {
			if v.walk.deep {
				logf("pod %s/%s: emptyDir %s: directories deeper than %d levels are not measured", p.obj.Namespace, p.obj.Name, v.name, duMaxDepth)
			}
			v.walk = nil // start over next time
		}
	}
}

// evict marks the pod Failed/Evicted (supervisors then restart nothing) and kills every
// container.
func (p *pod) evict(msg string) {
	p.mu.Lock()
	if p.deleting || p.evictedLocked() || !p.anyActiveLocked() {
		p.mu.Unlock()
		return
	}
	st := &p.obj.Status
	st.Phase, st.Reason, st.Message = corev1.PodFailed, reasonEvicted, msg
	p.eventLocked(corev1.EventTypeWarning, reasonEvicted, msg)
	p.mu.Unlock()
	p.save()
	logf("pod %s/%s evicted: %s", p.obj.Namespace, p.obj.Name, msg)
	p.killAll()
}

func (p *pod) killAll() {
	if err := p.rt.cg.Kill(p.cgroup()); err != nil {
		logf("pod %s/%s: kill: %v", p.obj.Namespace, p.obj.Name, err)
	}
}

func (p *pod) evicted() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.evictedLocked()
}

// evictedLocked is read from the status, so an eviction survives a podd restart; a pod failed
// by its activeDeadlineSeconds (deadline.go) is ended the same way.
func (p *pod) evictedLocked() bool {
	r := p.obj.Status.Reason
	return r == reasonEvicted || r == reasonDeadlineExceeded
}

func (p *pod) anyRunning() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.ctrs {
		if c.proc != nil {
			return true
		}
	}
	return false
}

// anyActiveLocked: some container runs or will run again (kubelet evicts only active pods).
func (p *pod) anyActiveLocked() bool {
	policy := p.obj.Spec.RestartPolicy
	for _, cs := range p.obj.Status.ContainerStatuses {
		t := cs.State.Terminated
		if t == nil || policy == corev1.RestartPolicyAlways || (policy == corev1.RestartPolicyOnFailure && t.ExitCode != 0) {
			return true
		}
	}
	return false
}
