package podstatus

import (
	"fmt"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Kubelet's condition reasons (pkg/kubelet/status/generate.go).
const (
	ReasonPodCompleted       = "PodCompleted"
	ReasonPodFailed          = "PodFailed"
	ReasonContainersNotReady = "ContainersNotReady"
)

// Conditions are the pod conditions kubelet owns, in the order the API shows them:
// PodReadyToStartContainers (the sandbox exists), Initialized, ContainersReady, Ready and
// PodScheduled. A condition whose status did not change keeps its LastTransitionTime from
// old; a changed or new one gets now.
func Conditions(pod *v1.Pod, statuses []v1.ContainerStatus, phase v1.PodPhase, sandboxReady bool,
	old []v1.PodCondition, now time.Time) []v1.PodCondition {
	ready := containersReady(pod, statuses, phase)
	podReady := ready
	podReady.Type = v1.PodReady
	out := []v1.PodCondition{
		{Type: v1.PodReadyToStartContainers, Status: conditionStatus(sandboxReady)},
		initialized(phase),
		ready,
		podReady,
		{Type: v1.PodScheduled, Status: v1.ConditionTrue},
	}
	for i := range out {
		out[i].LastTransitionTime = transitionTime(out[i], old, now)
	}
	return out
}

// containersReady is true when every container is ready; a pod that Succeeded or Failed is
// not ready, whatever its containers still do (they may be being killed).
func containersReady(pod *v1.Pod, statuses []v1.ContainerStatus, phase v1.PodPhase) v1.PodCondition {
	c := v1.PodCondition{Type: v1.ContainersReady, Status: v1.ConditionFalse}
	switch phase {
	case v1.PodSucceeded:
		c.Reason = ReasonPodCompleted
		return c
	case v1.PodFailed:
		c.Reason = ReasonPodFailed
		return c
	}
	var unknown, unready []string
	for _, ctr := range pod.Spec.Containers {
		s, ok := byName(statuses, ctr.Name)
		switch {
		case !ok:
			unknown = append(unknown, ctr.Name)
		case !s.Ready:
			unready = append(unready, ctr.Name)
		}
	}
	var msgs []string
	if len(unknown) > 0 {
		msgs = append(msgs, fmt.Sprintf("containers with unknown status: %s", unknown))
	}
	if len(unready) > 0 {
		msgs = append(msgs, fmt.Sprintf("containers with unready status: %s", unready))
	}
	if len(msgs) == 0 {
		c.Status = v1.ConditionTrue
		return c
	}
	c.Reason, c.Message = ReasonContainersNotReady, strings.Join(msgs, ", ")
	return c
}

// initialized is always true: podd runs no init containers.
func initialized(phase v1.PodPhase) v1.PodCondition {
	c := v1.PodCondition{Type: v1.PodInitialized, Status: v1.ConditionTrue}
	if phase == v1.PodSucceeded {
		c.Reason = ReasonPodCompleted
	}
	return c
}

func conditionStatus(ok bool) v1.ConditionStatus {
	if ok {
		return v1.ConditionTrue
	}
	return v1.ConditionFalse
}

// transitionTime is kubelet's status manager rule: the old time while the status is the same.
func transitionTime(c v1.PodCondition, old []v1.PodCondition, now time.Time) metav1.Time {
	for _, o := range old {
		if o.Type == c.Type && o.Status == c.Status {
			return o.LastTransitionTime
		}
	}
	return metav1.NewTime(now)
}
