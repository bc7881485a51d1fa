package runtime

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// A postStart hook holds back the later containers' start (kubelet's one-by-one start): b and
// c start only once a's 1 s sleep hook returned; a failing hook (c's: the fake's exec exits
// non-zero) does not hold d back for ever.
func TestPostStartHoldsBackTheNextStart(t *testing.T) {
	rt, h := newTestRuntime(t)
	in := testPod(t, "web", "a", "b", "c", "d")
	in.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{PostStart: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 1}}}
	in.Spec.Containers[2].Lifecycle = &corev1.Lifecycle{PostStart: &corev1.LifecycleHandler{
		Exec: &corev1.ExecAction{Command: []string{"/bin/check", "fails"}}}}
	apply(t, rt, in)
	started := map[string]time.Time{}
	for len(started) < 4 {
		p := nextStart(t, h)
		if _, ok := started[p.name]; !ok {
			started[p.name] = p.started
		}
	}
	for _, next := range []string{"b", "c"} { // b has no hook: c need not wait for it
		if d := started[next].Sub(started["a"]); d < time.Second {
			t.Errorf("%s started %v after a, before a's 1 s postStart hook returned", next, d)
		}
	}
	if !started["d"].After(started["c"]) {
		t.Errorf("start order %v", started)
	}
	deleteLeavesNothing(t, rt, h, "web")
}

// Without a postStart hook before the last container, the containers start inside the apply.
func TestNoPostStartStartsInApply(t *testing.T) {
	rt, h := newTestRuntime(t)
	in := testPod(t, "web", "a", "b")
	in.Spec.Containers[1].Lifecycle = &corev1.Lifecycle{PostStart: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 1}}}
	apply(t, rt, in)
	if n := len(h.starts); n != 2 {
		t.Errorf("%d containers started inside the apply, want 2", n)
	}
	deleteLeavesNothing(t, rt, h, "web")
}
