package runtime

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// restartPolicy Always: the first restart is immediate, the next ones wait 10 s, 20 s, ...
// (asked of the injected clock), and each run shows in the status.
func TestRestartWithBackoff(t *testing.T) {
	rt, h := newTestRuntime(t)
	apply(t, rt, testPod(t, "crash", "a"))
	proc := nextStart(t, h)
	var delays []time.Duration
	for run := 1; run <= 3; run++ {
		proc.end(exitCode(1))
		proc = nextStart(t, h)
		waitFor(t, func() bool { return status(t, rt, "crash").RestartCount == int32(run) })
	}
	for len(h.delays) > 0 {
		delays = append(delays, <-h.delays)
	}
	if want := []time.Duration{10 * time.Second, 20 * time.Second}; len(delays) != 2 || delays[0] != want[0] || delays[1] != want[1] {
		t.Errorf("backoff %v, want %v", delays, want)
	}
	st := status(t, rt, "crash")
	last := st.LastTerminationState.Terminated
	if st.State.Running == nil || last == nil || last.ExitCode != 1 || last.Reason != "Error" {
		t.Errorf("status after restarts: %+v", st)
	}
	events, _ := rt.Events("")
	backoff := 0
	for _, e := range events {
		if e.Reason == reasonBackOff {
			backoff = int(e.Count)
		}
	}
	if backoff != 2 {
		t.Errorf("%d BackOff events, want 2 (aggregated): %+v", backoff, events)
	}
	deleteLeavesNothing(t, rt, h, "crash")
}

// OnFailure restarts only a failed container; Never restarts nothing. The phase follows.
func TestRestartPolicies(t *testing.T) {
	for _, tc := range []struct {
		policy  corev1.RestartPolicy
		code    int
		restart bool
		phase   corev1.PodPhase
		reason  string
	}{
		{corev1.RestartPolicyOnFailure, 0, false, corev1.PodSucceeded, "Completed"},
		{corev1.RestartPolicyOnFailure, 3, true, corev1.PodRunning, "Error"},
		{corev1.RestartPolicyNever, 3, false, corev1.PodFailed, "Error"},
		{corev1.RestartPolicyNever, 0, false, corev1.PodSucceeded, "Completed"},
	} {
		t.Run(string(tc.policy)+"/"+string(rune('0'+tc.code)), func(t *testing.T) {
			rt, h := newTestRuntime(t)
			in := testPod(t, "job", "a")
			in.Spec.RestartPolicy = tc.policy
			apply(t, rt, in)
			nextStart(t, h).end(exitCode(tc.code))
			if tc.restart {
				nextStart(t, h)
				waitFor(t, func() bool { return status(t, rt, "job").RestartCount == 1 })
			} else {
				waitFor(t, func() bool { return status(t, rt, "job").State.Terminated != nil })
			}
			got, _ := rt.Get("default", "job")
			if got.Status.Phase != tc.phase {
				t.Errorf("phase %s, want %s", got.Status.Phase, tc.phase)
			}
			cs := got.Status.ContainerStatuses[0]
			term := cs.State.Terminated
			if term == nil {
				term = cs.LastTerminationState.Terminated
			}
			if term == nil || term.Reason != tc.reason || int(term.ExitCode) != tc.code {
				t.Errorf("termination %+v, want %s", term, tc.reason)
			}
			deleteLeavesNothing(t, rt, h, "job")
		})
	}
}

// A container the OOM killer ended is OOMKilled; a restart that cannot create the container is
// CreateContainerError and retried with the backoff.
func TestOOMAndFailedRestart(t *testing.T) {
	rt, h := newTestRuntime(t)
	in := testPod(t, "oom", "a")
	in.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
	out := apply(t, rt, in)
	proc := nextStart(t, h)
	h.mu.Lock()
	h.mem[proc.cg]++
	h.mu.Unlock()
	err := h.failOn("devices.attach")
	proc.end(killed)
	waitFor(t, func() bool {
		st := status(t, rt, "oom")
		return st.State.Waiting != nil && st.State.Waiting.Reason == "CreateContainerError"
	})
	st := status(t, rt, "oom")
	if !strings.Contains(st.State.Waiting.Message, err.Error()) || st.LastTerminationState.Terminated.Reason != "OOMKilled" {
		t.Errorf("status %+v", st)
	}
	h.mu.Lock()
	delete(h.fail, "devices.attach")
	h.mu.Unlock()
	nextStart(t, h)
	waitFor(t, func() bool { return status(t, rt, "oom").State.Running != nil })
	if d := <-h.delays; d != 10*time.Second {
		t.Errorf("retry after %v, want 10s", d)
	}
	deletePod(t, rt, "oom", 0)
	if left := leftovers(t, rt, h); len(left) != 0 {
		t.Errorf("left %v (pod %s)", left, out.UID)
	}
}
