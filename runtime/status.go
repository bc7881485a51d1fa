package runtime

import (
	"fmt"
	"time"

	"github.com/podd/podd/internal/reaper"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// All status changes happen with p.mu held.

func (p *pod) initStatuses() {
	st := &p.obj.Status
	st.ContainerStatuses = make([]corev1.ContainerStatus, len(p.ctrs))
	for i, c := range p.ctrs {
		st.ContainerStatuses[i] = corev1.ContainerStatus{
			Name:  c.spec.Name,
			Image: c.spec.Image,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}},
		}
	}
}

func (c *container) status() *corev1.ContainerStatus { return &c.p.obj.Status.ContainerStatuses[c.idx] }

func (c *container) setRunning(at time.Time) {
	s := c.status()
	if s.State.Terminated != nil { // an immediate restart (no backoff wait) ends here, not in setWaiting
		s.LastTerminationState = corev1.ContainerState{Terminated: s.State.Terminated}
	}
	s.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(at)}}
	s.Ready = true
	started := true
	s.Started = &started
	s.RestartCount = c.restarts
	s.ContainerID = fmt.Sprintf("podd://%s/%s/%d", c.p.uid(), c.spec.Name, c.proc.Pid)
	s.ImageID = c.img.ID
	if c.p.obj.Status.StartTime == nil {
		t := metav1.NewTime(at)
		c.p.obj.Status.StartTime = &t
	}
}

// setTerminated records an exit; the previous termination moves to LastTerminationState.
func (c *container) setTerminated(e reaper.Exit, reason string) {
	s := c.status()
	var started metav1.Time
	if s.State.Running != nil {
		started = s.State.Running.StartedAt
	}
	t := &corev1.ContainerStateTerminated{ExitCode: int32(e.Code()), Reason: reason,
		StartedAt: started, FinishedAt: metav1.NewTime(e.Time), ContainerID: s.ContainerID}
	if e.Status.Signaled() {
		t.Signal = int32(e.Status.Signal())
	}
	s.State = corev1.ContainerState{Terminated: t}
	s.Ready = false
	f := false
	s.Started = &f
}

func (c *container) setWaiting(reason, msg string) {
	s := c.status()
	if s.State.Terminated != nil {
		s.LastTerminationState = corev1.ContainerState{Terminated: s.State.Terminated}
	}
	s.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}
	s.RestartCount = c.restarts
}

// exitReason is kubelet's: OOMKilled when the container's cgroup saw an OOM kill, else
// Completed or Error by the exit code.
func (c *container) exitReason(e reaper.Exit, oom bool) string {
	switch {
	case e.Unknown:
		return "ContainerStatusUnknown"
	case oom:
		return "OOMKilled"
	case e.Code() == 0:
		return "Completed"
	default:
		return "Error"
	}
}

// updatePhase derives the pod phase and conditions from the container states.
func (p *pod) updatePhase() {
	st := &p.obj.Status
	running, waiting, failed, total := 0, 0, 0, len(st.ContainerStatuses)
	for _, cs := range st.ContainerStatuses {
		switch {
		case cs.State.Running != nil:
			running++
		case cs.State.Waiting != nil:
			waiting++
		case cs.State.Terminated != nil && cs.State.Terminated.ExitCode != 0:
			failed++
		}
	}
	switch {
	case running+waiting == 0 && failed > 0:
		st.Phase = corev1.PodFailed
	case running+waiting == 0:
		st.Phase = corev1.PodSucceeded
	case running > 0 || p.everStarted():
		st.Phase = corev1.PodRunning
	default:
		st.Phase = corev1.PodPending
	}
	if p.evictedLocked() {
		st.Phase = corev1.PodFailed // whatever its containers are doing until they are killed
	}
	p.setConditions(running == total)
}

func (p *pod) everStarted() bool { return p.obj.Status.StartTime != nil }

func (p *pod) setConditions(allReady bool) {
	now := metav1.Now()
	cond := func(t corev1.PodConditionType, ok bool) corev1.PodCondition {
		s := corev1.ConditionFalse
		if ok {
			s = corev1.ConditionTrue
		}
		for _, old := range p.obj.Status.Conditions {
			if old.Type == t && old.Status == s {
				return old
			}
		}
		return corev1.PodCondition{Type: t, Status: s, LastTransitionTime: now}
	}
	sandbox := p.ns != nil
	p.obj.Status.Conditions = []corev1.PodCondition{
		cond(corev1.PodReadyToStartContainers, sandbox),
		cond(corev1.PodInitialized, true),
		cond(corev1.ContainersReady, allReady),
		cond(corev1.PodReady, allReady),
		cond(corev1.PodScheduled, true),
	}
}

// qosClass is Kubernetes' QoS class: Guaranteed when every container's cpu and memory limits
// equal their requests, BestEffort when nothing is set, else Burstable.
func qosClass(pod *corev1.Pod) corev1.PodQOSClass {
	any, all := false, true
	for _, c := range pod.Spec.Containers {
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, hasReq := c.Resources.Requests[r]
			lim, hasLim := c.Resources.Limits[r]
			any = any || hasReq || hasLim
			if !hasLim || (hasReq && req.Cmp(lim) != 0) {
				all = false
			}
		}
	}
	switch {
	case !any:
		return corev1.PodQOSBestEffort
	case all:
		return corev1.PodQOSGuaranteed
	default:
		return corev1.PodQOSBurstable
	}
}
