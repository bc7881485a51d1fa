package podstatus

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestGeneratePending(t *testing.T) {
	pod := podOf(corev1.RestartPolicyAlways, "a", "b")
	s := Generate(pod, Pod{}, t0)
	if s.Phase != corev1.PodPending || len(s.ContainerStatuses) != 2 || s.StartTime != nil || s.PodIP != "" || s.PodIPs != nil {
		t.Fatalf("nothing observed: %+v", s)
	}
	for _, cs := range s.ContainerStatuses {
		if cs.State.Waiting == nil || cs.State.Waiting.Reason != ReasonContainerCreating {
			t.Errorf("%s: %+v", cs.Name, cs.State)
		}
	}
	if c := condition(s.Conditions, corev1.PodReadyToStartContainers); c.Status != corev1.ConditionFalse {
		t.Errorf("no sandbox: %+v", c)
	}
	if s.QOSClass != corev1.PodQOSBestEffort {
		t.Errorf("qosClass %s", s.QOSClass)
	}
}

func TestGenerateRunning(t *testing.T) {
	pod := podOf(corev1.RestartPolicyAlways, "a", "b")
	pod.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("1Gi")}
	obs := Pod{SandboxReady: true, StartTime: t0, PodIPs: []string{"10.88.0.2", "fd00::2"},
		Containers: []Container{Container{}.Run(t0, "id-a", "img", 0), Container{}.Run(t0, "id-b", "img", 0)}}
	s := Generate(pod, obs, t0)
	if s.Phase != corev1.PodRunning || s.PodIP != "10.88.0.2" || len(s.PodIPs) != 2 || s.PodIPs[1].IP != "fd00::2" ||
		s.StartTime == nil || !s.StartTime.Time.Equal(t0) || s.QOSClass != corev1.PodQOSBurstable {
		t.Fatalf("running: %+v", s)
	}
	for _, c := range s.Conditions {
		if c.Status != corev1.ConditionTrue {
			t.Errorf("%s: %s", c.Type, c.Status)
		}
	}
	// A container crashes: still Running, not ready, Ready's transition time moves, the others stay.
	pod.Status = s
	obs.Containers[1] = obs.Containers[1].End(Exit{Code: 1, FinishedAt: t0.Add(time.Second)})
	later := t0.Add(time.Minute)
	s = Generate(pod, obs, later)
	if s.Phase != corev1.PodRunning {
		t.Errorf("after a crash (restartPolicy Always): %s", s.Phase)
	}
	if c := condition(s.Conditions, corev1.PodReady); c.Status != corev1.ConditionFalse || !c.LastTransitionTime.Time.Equal(later) {
		t.Errorf("Ready after the crash: %+v", c)
	}
	if c := condition(s.Conditions, corev1.PodScheduled); !c.LastTransitionTime.Time.Equal(t0) {
		t.Errorf("PodScheduled moved: %+v", c)
	}
}

func TestGenerateEvicted(t *testing.T) {
	pod := podOf(corev1.RestartPolicyAlways, "a")
	obs := Pod{SandboxReady: true, StartTime: t0, Containers: []Container{Container{}.Run(t0, "id", "img", 0)},
		Eviction: &Eviction{Message: "Usage of EmptyDir volume \"v\" exceeds the limit \"1Mi\"."}}
	s := Generate(pod, obs, t0)
	if s.Phase != corev1.PodFailed || s.Reason != ReasonEvicted || s.Message != obs.Eviction.Message {
		t.Fatalf("evicted, still running: phase %s reason %q message %q", s.Phase, s.Reason, s.Message)
	}
	if c := condition(s.Conditions, corev1.PodReady); c.Status != corev1.ConditionFalse || c.Reason != ReasonPodFailed {
		t.Errorf("Ready of an evicted pod: %+v", c)
	}
	pod.Status = s
	obs.Containers[0] = obs.Containers[0].End(Exit{Code: 137, Signal: 9, FinishedAt: t0})
	obs.Eviction.Reason = "Preempting"
	if s = Generate(pod, obs, t0); s.Phase != corev1.PodFailed || s.Reason != "Preempting" || s.ContainerStatuses[0].State.Terminated == nil {
		t.Fatalf("evicted, killed: %+v", s)
	}
}

// Reason and message stay while the phase does (kubelet), and go with it.
func TestGenerateKeepsReasonOfPhase(t *testing.T) {
	pod := podOf(corev1.RestartPolicyAlways, "a")
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, Reason: "R", Message: "M"}
	obs := Pod{Containers: []Container{Container{}.Run(t0, "id", "img", 0)}}
	if s := Generate(pod, obs, t0); s.Reason != "R" || s.Message != "M" {
		t.Errorf("same phase: reason %q message %q", s.Reason, s.Message)
	}
	pod.Status.Phase = corev1.PodPending
	if s := Generate(pod, obs, t0); s.Reason != "" || s.Message != "" {
		t.Errorf("new phase: reason %q message %q", s.Reason, s.Message)
	}
}

// A pod being deleted restarts nothing: once all stopped it is Succeeded or Failed whatever
// its restart policy.
func TestGenerateDeleted(t *testing.T) {
	pod := podOf(corev1.RestartPolicyAlways, "a", "b")
	now := metav1.NewTime(t0)
	pod.DeletionTimestamp = &now
	run := Container{}.Run(t0, "id", "img", 0)
	obs := Pod{Containers: []Container{run.End(Exit{Code: 0}), run.End(Exit{Code: 143, Signal: 15})}}
	if s := Generate(pod, obs, t0); s.Phase != corev1.PodFailed {
		t.Errorf("deleted, one killed: %s", s.Phase)
	}
	obs.Containers[1] = run.End(Exit{Code: 0})
	if s := Generate(pod, obs, t0); s.Phase != corev1.PodSucceeded {
		t.Errorf("deleted, all exited 0: %s", s.Phase)
	}
}
