package podstatus

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// condition finds a condition by type.
func condition(cs []corev1.PodCondition, typ corev1.PodConditionType) corev1.PodCondition {
	for _, c := range cs {
		if c.Type == typ {
			return c
		}
	}
	return corev1.PodCondition{}
}

func TestConditionsOrderAndReady(t *testing.T) {
	pod := podOf(corev1.RestartPolicyAlways, "a", "b")
	got := Conditions(pod, statuses(running("a"), running("b")), corev1.PodRunning, true, nil, t0)
	order := []corev1.PodConditionType{corev1.PodReadyToStartContainers, corev1.PodInitialized,
		corev1.ContainersReady, corev1.PodReady, corev1.PodScheduled}
	if len(got) != len(order) {
		t.Fatalf("conditions %+v", got)
	}
	for i, c := range got {
		if c.Type != order[i] || c.Status != corev1.ConditionTrue || c.Reason != "" || !c.LastTransitionTime.Time.Equal(t0) {
			t.Errorf("condition %d: %+v, want %s True since %v", i, c, order[i], t0)
		}
	}
}

func TestConditionsNotReady(t *testing.T) {
	pod := podOf(corev1.RestartPolicyAlways, "a", "b", "c")
	for _, c := range []struct {
		name            string
		statuses        []corev1.ContainerStatus
		phase           corev1.PodPhase
		reason, message string
	}{
		{"one in back-off", statuses(running("a"), backOff("b", 1), running("c")), corev1.PodRunning,
			ReasonContainersNotReady, "containers with unready status: [b]"},
		{"one unknown, two unready", statuses(creating("a"), creating("b")), corev1.PodPending,
			ReasonContainersNotReady, "containers with unknown status: [c], containers with unready status: [a b]"},
		{"succeeded", statuses(terminated("a", 0), terminated("b", 0), terminated("c", 0)), corev1.PodSucceeded, ReasonPodCompleted, ""},
		{"failed (evicted) while containers still run", statuses(running("a"), running("b"), running("c")), corev1.PodFailed, ReasonPodFailed, ""},
	} {
		got := Conditions(pod, c.statuses, c.phase, true, nil, t0)
		for _, typ := range []corev1.PodConditionType{corev1.ContainersReady, corev1.PodReady} {
			if cond := condition(got, typ); cond.Status != corev1.ConditionFalse || cond.Reason != c.reason || cond.Message != c.message {
				t.Errorf("%s: %s = %+v, want False, %q, %q", c.name, typ, cond, c.reason, c.message)
			}
		}
		init := condition(got, corev1.PodInitialized)
		if wantReason := map[bool]string{true: ReasonPodCompleted}[c.phase == corev1.PodSucceeded]; init.Status != corev1.ConditionTrue || init.Reason != wantReason {
			t.Errorf("%s: Initialized = %+v", c.name, init)
		}
	}
}

func TestConditionsSandbox(t *testing.T) {
	got := Conditions(podOf("", "a"), statuses(creating("a")), corev1.PodPending, false, nil, t0)
	if c := condition(got, corev1.PodReadyToStartContainers); c.Status != corev1.ConditionFalse {
		t.Errorf("without a sandbox: %+v", c)
	}
}

// A condition keeps its LastTransitionTime while its status stays; a change takes the new time.
func TestConditionsLastTransitionTime(t *testing.T) {
	pod := podOf(corev1.RestartPolicyAlways, "a")
	t1, t2 := t0.Add(time.Minute), t0.Add(2*time.Minute)
	first := Conditions(pod, statuses(running("a")), corev1.PodRunning, true, nil, t0)
	same := Conditions(pod, statuses(running("a")), corev1.PodRunning, true, first, t1)
	for i := range same {
		if !same[i].LastTransitionTime.Equal(&first[i].LastTransitionTime) {
			t.Errorf("unchanged %s: since %v, want %v", same[i].Type, same[i].LastTransitionTime, first[i].LastTransitionTime)
		}
	}
	crashed := Conditions(pod, statuses(backOff("a", 1)), corev1.PodRunning, true, same, t2)
	for _, c := range crashed {
		want := metav1.NewTime(t0)
		if c.Type == corev1.ContainersReady || c.Type == corev1.PodReady {
			want = metav1.NewTime(t2)
		}
		if !c.LastTransitionTime.Equal(&want) {
			t.Errorf("after the crash, %s (%s): since %v, want %v", c.Type, c.Status, c.LastTransitionTime, want)
		}
	}
}
