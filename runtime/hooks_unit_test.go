package runtime

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func eventsOf(t *testing.T, rt *Runtime, reason string) []corev1.Event {
	t.Helper()
	all, _ := rt.Events("")
	var out []corev1.Event
	for _, e := range all {
		if e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

// A failed postStart hook is a FailedPostStartHook event and kills the run; the restart policy
// restarts it.
func TestPostStartFailureKillsTheRun(t *testing.T) {
	rt, h := newTestRuntime(t)
	in := testPod(t, "web", "a")
	in.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{PostStart: &corev1.LifecycleHandler{
		Exec: &corev1.ExecAction{Command: []string{"/bin/check", "fails"}}}} // the fake exits 2
	apply(t, rt, in)
	first := nextStart(t, h)
	if again := nextStart(t, h); again.name != "a" || again.pid == first.pid {
		t.Fatalf("no restart after the failed hook")
	}
	if !first.done.Load() {
		t.Error("the first run was not killed")
	}
	ev := eventsOf(t, rt, reasonFailedPostStartHook)
	if len(ev) == 0 || !strings.Contains(ev[0].Message, `Exec lifecycle hook ([/bin/check fails]) for Container "a"`) ||
		!strings.Contains(ev[0].Message, "exited with 2") {
		t.Errorf("events %+v", ev)
	}
	deleteLeavesNothing(t, rt, h, "web")
}

// The preStop hook runs before the stop signal, within the grace period; the container gets
// at least 2 s after it before SIGKILL, and the stop signal is lifecycle.stopSignal.
func TestPreStopThenStopSignalThenKill(t *testing.T) {
	rt, h := newTestRuntime(t)
	h.stubborn["a"] = true // catches the signal and carries on
	usr1 := corev1.Signal("SIGUSR1")
	in := testPod(t, "web", "a")
	in.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{StopSignal: &usr1,
		PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 5}}}
	apply(t, rt, in)
	nextStart(t, h)
	start := time.Now()
	deletePod(t, rt, "web", 1)
	took := time.Since(start)
	// preStop is cut at the 1 s grace, then 2 s more before SIGKILL.
	if took < 3*time.Second || took > 6*time.Second {
		t.Errorf("delete took %v, want about 3 s (the hook cut at the 1 s grace, then 2 s)", took)
	}
	if len(h.called("proc.signal:SIGUSR1")) != 1 || len(h.called("proc.signal:SIGTERM")) != 0 {
		t.Errorf("signals %v", h.called("proc.signal"))
	}
	if !h.before("proc.signal:SIGUSR1", "cg.kill") {
		t.Errorf("calls %v", h.called(""))
	}
}

// A forced delete (grace 0) runs no preStop hook.
func TestForcedDeleteSkipsPreStop(t *testing.T) {
	rt, h := newTestRuntime(t)
	in := testPod(t, "web", "a")
	in.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 5}}}
	apply(t, rt, in)
	nextStart(t, h)
	start := time.Now()
	deletePod(t, rt, "web", 0)
	if took := time.Since(start); took > time.Second {
		t.Errorf("forced delete took %v", took)
	}
}
