package podstatus

import v1 "k8s.io/api/core/v1"

// Phase is kubelet's getPhase for a pod's regular containers (podd runs no init containers):
//   - Pending while a container has not started yet (waiting, never terminated);
//   - Running when all have started and one runs, or when all have stopped but one will be
//     restarted (restartPolicy Always, or OnFailure after a failure);
//   - Succeeded when all stopped with exit code 0 and none will restart, Failed when one
//     failed and none will restart.
//
// terminal says no container will run again whatever the restart policy (the pod is being
// deleted or evicted): all stopped then means Succeeded or Failed.
func Phase(pod *v1.Pod, statuses []v1.ContainerStatus, terminal bool) v1.PodPhase {
	var unknown, running, waiting, stopped, succeeded int
	for i := range pod.Spec.Containers {
		s, ok := byName(statuses, pod.Spec.Containers[i].Name)
		switch {
		case !ok:
			unknown++
		case s.State.Running != nil:
			running++
		case s.State.Terminated != nil:
			stopped++
			if s.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case s.State.Waiting != nil && s.LastTerminationState.Terminated != nil:
			stopped++ // waiting to restart: it has run
		case s.State.Waiting != nil:
			waiting++
		default:
			unknown++
		}
	}
	switch {
	case waiting > 0:
		return v1.PodPending
	case running > 0 && unknown == 0:
		return v1.PodRunning
	case running == 0 && stopped > 0 && unknown == 0:
		return stoppedPhase(pod.Spec.RestartPolicy, terminal, stopped == succeeded)
	default:
		return v1.PodPending
	}
}

// stoppedPhase is the phase of a pod whose containers have all stopped.
func stoppedPhase(policy v1.RestartPolicy, terminal, allSucceeded bool) v1.PodPhase {
	switch {
	case terminal && allSucceeded:
		return v1.PodSucceeded
	case terminal:
		return v1.PodFailed
	case policy == v1.RestartPolicyAlways || policy == "": // "" is the API default, Always
		return v1.PodRunning // all are restarting
	case allSucceeded:
		return v1.PodSucceeded
	case policy == v1.RestartPolicyNever:
		return v1.PodFailed
	default:
		return v1.PodRunning // OnFailure, one failed: restarting
	}
}

func byName(statuses []v1.ContainerStatus, name string) (v1.ContainerStatus, bool) {
	for _, s := range statuses {
		if s.Name == name {
			return s, true
		}
	}
	return v1.ContainerStatus{}, false
}
