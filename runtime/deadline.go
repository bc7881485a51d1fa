package runtime

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// spec.activeDeadlineSeconds, kubelet's way: once the pod has been active that long since its
// start time, every container is killed and not restarted, and the pod turns Failed with reason
// DeadlineExceeded (as an eviction does, evict.go), listed until it is deleted.
const (
	reasonDeadlineExceeded = "DeadlineExceeded"
	messageDeadline        = "Pod was active on the node longer than the specified deadline"
)

// watchDeadline arms the pod's active deadline, if it has one; a restarted podd arms it again
// from the recorded start time.
func (p *pod) watchDeadline() {
	secs := p.obj.Spec.ActiveDeadlineSeconds
	if secs == nil {
		return
	}
	p.mu.Lock()
	start := time.Now()
	if st := p.obj.Status.StartTime; st != nil {
		start = st.Time
	} else {
		start = p.obj.CreationTimestamp.Time
	}
	p.mu.Unlock()
	p.deadline = time.AfterFunc(time.Until(start.Add(seconds(*secs))), p.deadlineExceeded)
}

// deadlineExceeded fails the pod and kills its containers, unless it is being deleted or has
// ended already.
func (p *pod) deadlineExceeded() {
	p.mu.Lock()
	if p.deleting || p.evictedLocked() || !p.anyActiveLocked() {
		p.mu.Unlock()
		return
	}
	st := &p.obj.Status
	st.Phase, st.Reason, st.Message = corev1.PodFailed, reasonDeadlineExceeded, messageDeadline
	p.eventLocked(corev1.EventTypeWarning, reasonDeadlineExceeded, messageDeadline)
	p.updatePhase()
	p.mu.Unlock()
	p.save()
	logf("pod %s/%s: %s", p.obj.Namespace, p.obj.Name, messageDeadline)
	p.killAll()
}

// stopDeadline disarms the deadline (the pod is torn down).
func (p *pod) stopDeadline() {
	if p.deadline != nil {
		p.deadline.Stop()
	}
}
