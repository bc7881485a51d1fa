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
	ReasonNotInitialized     = "ContainersNotInitialized"
)

// Conditions are the pod conditions kubelet owns, in the order the API shows them:
// PodReadyToStartContainers (the sandbox exists), Initialized, ContainersReady, Ready and
// PodScheduled. statuses include the init containers' (names are unique across both lists). A
// condition whose status did not change keeps its LastTransitionTime from
// old; a changed or new one gets now.
func Conditions(pod *v1.Pod, statuses []v1.ContainerStatus, phase v1.PodPhase, sandboxReady bool,
	old []v1.PodCondition, now time.Time) []v1.PodCondition {
	ready := containersReady(pod, statuses, phase)
	podReady := ready
	podReady.Type = v1.PodReady
	out := []v1.PodCondition{
		{Type: v1.PodReadyToStartContainers, Status: conditionStatus(sandboxReady)},
		initialized(pod, statuses, phase),
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
	for _, ctr := range readyContainers(pod) {
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

// readyContainers are those ContainersReady waits for: the sidecars, then the app containers.
func readyContainers(pod *v1.Pod) []v1.Container {
	if len(pod.Spec.InitContainers) == 0 {
		return pod.Spec.Containers
	}
	var out []v1.Container
	for _, c := range pod.Spec.InitContainers {
		if IsSidecar(&c) {
			out = append(out, c)
		}
	}
	return append(out, pod.Spec.Containers...)
}

// initialized is kubelet's Initialized: true once every regular init container succeeded and
// every sidecar started, and from then on (an app container started or ran) whatever the init
// containers do; else false, naming the incomplete ones.
func initialized(pod *v1.Pod, statuses []v1.ContainerStatus, phase v1.PodPhase) v1.PodCondition {
	c := v1.PodCondition{Type: v1.PodInitialized, Status: v1.ConditionTrue}
	if phase == v1.PodSucceeded {
		c.Reason = ReasonPodCompleted
	}
	if anyAppStarted(pod, statuses) {
		return c
	}
	var incomplete []string
	for i := range pod.Spec.InitContainers {
		ic := &pod.Spec.InitContainers[i]
		if s, ok := byName(statuses, ic.Name); !ok || !initDone(ic, s) {
			incomplete = append(incomplete, ic.Name)
		}
	}
	if len(incomplete) > 0 {
		c.Status, c.Reason = v1.ConditionFalse, ReasonNotInitialized
		c.Message = fmt.Sprintf("containers with incomplete status: %s", incomplete)
	}
	return c
}

// initDone: a regular init container succeeded, a sidecar started.
func initDone(c *v1.Container, s v1.ContainerStatus) bool {
	if IsSidecar(c) {
		return s.Started != nil && *s.Started
	}
	return s.State.Terminated != nil && s.State.Terminated.ExitCode == 0
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
