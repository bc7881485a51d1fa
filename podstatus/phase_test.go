package podstatus

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// The cases of kubelet's TestPodPhaseWithRestart{Always,Never,OnFailure}, for podd's regular
// containers.
func TestPhase(t *testing.T) {
	const (
		always    = corev1.RestartPolicyAlways
		never     = corev1.RestartPolicyNever
		onFailure = corev1.RestartPolicyOnFailure
	)
	for _, c := range []struct {
		name     string
		policy   corev1.RestartPolicy
		statuses []corev1.ContainerStatus
		terminal bool
		want     corev1.PodPhase
	}{
		{"all running", always, statuses(running("a"), running("b")), false, corev1.PodRunning},
		{"none started", always, statuses(creating("a"), creating("b")), false, corev1.PodPending},
		{"one not started yet", always, statuses(running("a"), creating("b")), false, corev1.PodPending},
		{"one status missing", always, statuses(running("a")), false, corev1.PodPending},
		{"no state at all", always, statuses(running("a"), corev1.ContainerStatus{Name: "b"}), false, corev1.PodPending},
		{"waiting after it ran, another running", always, statuses(running("a"), backOff("b", 1)), false, corev1.PodRunning},
		{"all waiting after they ran", always, statuses(backOff("a", 1), backOff("b", 0)), false, corev1.PodRunning},

		{"Always: all exited 0, restarting", always, statuses(terminated("a", 0), terminated("b", 0)), false, corev1.PodRunning},
		{"Always: one failed, restarting", always, statuses(terminated("a", 0), terminated("b", 1)), false, corev1.PodRunning},
		{"Always: one exited, one running", always, statuses(terminated("a", 1), running("b")), false, corev1.PodRunning},
		{"default policy is Always", "", statuses(terminated("a", 1), terminated("b", 0)), false, corev1.PodRunning},

		{"Never: all exited 0", never, statuses(terminated("a", 0), terminated("b", 0)), false, corev1.PodSucceeded},
		{"Never: one failed", never, statuses(terminated("a", 0), terminated("b", 3)), false, corev1.PodFailed},
		{"Never: one exited, one running", never, statuses(terminated("a", 3), running("b")), false, corev1.PodRunning},

		{"OnFailure: all exited 0", onFailure, statuses(terminated("a", 0), terminated("b", 0)), false, corev1.PodSucceeded},
		{"OnFailure: one failed, restarting", onFailure, statuses(terminated("a", 0), terminated("b", 1)), false, corev1.PodRunning},
		{"OnFailure: one in back-off", onFailure, statuses(terminated("a", 0), backOff("b", 1)), false, corev1.PodRunning},
		{"OnFailure: one exited 0, one running", onFailure, statuses(terminated("a", 0), running("b")), false, corev1.PodRunning},

		{"terminal: all exited 0", always, statuses(terminated("a", 0), terminated("b", 0)), true, corev1.PodSucceeded},
		{"terminal: killed", always, statuses(terminated("a", 0), terminated("b", 137)), true, corev1.PodFailed},
		{"terminal: one in back-off", onFailure, statuses(terminated("a", 0), backOff("b", 1)), true, corev1.PodFailed},
		{"terminal: one still running", always, statuses(terminated("a", 137), running("b")), true, corev1.PodRunning},
	} {
		if got := Phase(podOf(c.policy, "a", "b"), c.statuses, c.terminal); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}
