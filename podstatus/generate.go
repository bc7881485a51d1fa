package podstatus

import (
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Generate is the pod's complete status from its observations, as kubelet's
// generateAPIPodStatus: container statuses, phase, conditions, QoS class, start time and
// addresses. pod.Status is the previous status: it gives the conditions' LastTransitionTime
// and the reason and message of an unchanged phase. An evicted pod is Failed with the
// eviction's reason and message whatever its containers still do.
func Generate(pod *v1.Pod, o Pod, now time.Time) v1.PodStatus {
	old := &pod.Status
	s := v1.PodStatus{QOSClass: QOSClass(pod), ContainerStatuses: containerStatuses(pod, pod.Spec.Containers, o.Containers),
		InitContainerStatuses: containerStatuses(pod, pod.Spec.InitContainers, o.InitContainers)}
	all := s.ContainerStatuses
	if len(s.InitContainerStatuses) > 0 {
		all = append(append([]v1.ContainerStatus(nil), s.InitContainerStatuses...), s.ContainerStatuses...)
	}
	if len(o.PodIPs) > 0 {
		s.PodIP = o.PodIPs[0]
		for _, ip := range o.PodIPs {
			s.PodIPs = append(s.PodIPs, v1.PodIP{IP: ip})
		}
	}
	if !o.StartTime.IsZero() {
		t := metav1.NewTime(o.StartTime)
		s.StartTime = &t
	}
	terminal := pod.DeletionTimestamp != nil || o.Eviction != nil
	s.Phase = Phase(pod, all, terminal)
	if s.Phase == old.Phase {
		s.Reason, s.Message = old.Reason, old.Message
	}
	if e := o.Eviction; e != nil {
		s.Phase, s.Reason, s.Message = v1.PodFailed, e.Reason, e.Message
		if s.Reason == "" {
			s.Reason = ReasonEvicted
		}
	}
	s.Conditions = Conditions(pod, all, s.Phase, o.SandboxReady, old.Conditions, now)
	return s
}

// containerStatuses are the statuses of ctrs (the spec's init or app containers), in order; a
// container with no observation yet is Creating, its reason PodInitializing in a pod with init
// containers (kubelet's default waiting state then).
func containerStatuses(pod *v1.Pod, ctrs []v1.Container, obs []Container) []v1.ContainerStatus {
	if len(ctrs) == 0 {
		return nil
	}
	out := make([]v1.ContainerStatus, len(ctrs))
	for i := range ctrs {
		var o Container
		if i < len(obs) {
			o = obs[i]
		}
		if o.State == Creating && len(pod.Spec.InitContainers) > 0 && (o.Reason == "" || o.Reason == ReasonContainerCreating) {
			o.Reason = ReasonPodInitializing
		}
		out[i] = ContainerStatus(&ctrs[i], o)
	}
	return out
}
