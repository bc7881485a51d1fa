package runtime

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// Past its activeDeadlineSeconds a pod is Failed with reason DeadlineExceeded: its containers
// are killed and not restarted.
func TestActiveDeadlineFailsPod(t *testing.T) {
	rt, h := newTestRuntime(t)
	in := testPod(t, "job", "a")
	one := int64(1)
	in.Spec.ActiveDeadlineSeconds = &one
	apply(t, rt, in)
	proc := nextStart(t, h)
	waitFor(t, func() bool { return proc.done.Load() })
	waitFor(t, func() bool { return ctrStatus(t, rt, "job", "a").State.Terminated != nil })
	got, _ := rt.Get("default", "job")
	if got.Status.Phase != corev1.PodFailed || got.Status.Reason != reasonDeadlineExceeded || got.Status.Message != messageDeadline {
		t.Errorf("status %s %q %q", got.Status.Phase, got.Status.Reason, got.Status.Message)
	}
	noStart(t, h)
	if len(eventsOf(t, rt, reasonDeadlineExceeded)) != 1 {
		t.Errorf("no DeadlineExceeded event")
	}
	deleteLeavesNothing(t, rt, h, "job")
}
