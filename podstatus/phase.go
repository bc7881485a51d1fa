package podstatus

import v1 "k8s.io/api/core/v1"

// Phase is kubelet's getPhase. statuses are the pod's container statuses, init containers'
// included (names are unique across both lists):
//   - Failed when a regular init container failed and the restart policy is Never;
//   - Pending while a regular init container has not succeeded, while a sidecar (an init
//     container with restartPolicy Always) has not started and no app container has, or while
//     an app container has not started yet (waiting, never terminated);
//   - Running when all have started and one runs (a running sidecar counts), or when all
//     have stopped but one will be restarted (restartPolicy Always, or OnFailure after a
//     failure);
//   - Succeeded when all app containers stopped with exit code 0 and none will restart, Failed
//     when one failed and none will restart. A stopped sidecar counts neither way.
//
// terminal says no container will run again whatever the restart policy (the pod is being
// deleted or evicted): all stopped then means Succeeded or Failed.
func Phase(pod *v1.Pod, statuses []v1.ContainerStatus, terminal bool) v1.PodPhase {
	in := initCounts(pod, statuses)
	var n counts
	n.sidecars(pod, statuses)
	for i := range pod.Spec.Containers {
		s, ok := byName(statuses, pod.Spec.Containers[i].Name)
		n.regular(s, ok)
	}
	if in.failed > 0 && pod.Spec.RestartPolicy == v1.RestartPolicyNever {
		return v1.PodFailed
	}
	switch {
	case in.pending > 0 || (n.pendingSidecars > 0 && !anyAppStarted(pod, statuses)):
		return v1.PodPending
	case n.waiting > 0:
		return v1.PodPending
	case n.running > 0 && n.unknown == 0:
		return v1.PodRunning
	case n.running == 0 && n.stopped > 0 && n.unknown == 0:
		return stoppedPhase(pod.Spec.RestartPolicy, terminal, n.stopped == n.succeeded)
	default:
		return v1.PodPending
	}
}

// counts are getPhase's counters of sidecars and app containers.
type counts struct {
	unknown, running, waiting, stopped, succeeded, pendingSidecars int
}

func (n *counts) regular(s v1.ContainerStatus, ok bool) {
	switch {
	case !ok:
		n.unknown++
	case s.State.Running != nil:
		n.running++
	case s.State.Terminated != nil:
		n.stopped++
		if s.State.Terminated.ExitCode == 0 {
			n.succeeded++
		}
	case s.State.Waiting != nil && s.LastTerminationState.Terminated != nil:
		n.stopped++ // waiting to restart: it has run
	case s.State.Waiting != nil:
		n.waiting++
	default:
		n.unknown++
	}
}

// sidecars counts the running sidecars and those not started yet; one that stopped counts
// neither way.
func (n *counts) sidecars(pod *v1.Pod, statuses []v1.ContainerStatus) {
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		if !IsSidecar(c) {
			continue
		}
		s, ok := byName(statuses, c.Name)
		switch {
		case !ok:
			n.pendingSidecars++
			n.unknown++
		case s.State.Running != nil:
			if s.Started == nil || !*s.Started {
				n.pendingSidecars++
			}
			n.running++
		case s.State.Waiting != nil && s.LastTerminationState.Terminated == nil:
			n.pendingSidecars++
		}
	}
}

// initCount is how many regular init containers have yet to succeed, and how many failed.
type initCount struct{ pending, failed int }

func initCounts(pod *v1.Pod, statuses []v1.ContainerStatus) initCount {
	var n initCount
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		if IsSidecar(c) {
			continue
		}
		s, ok := byName(statuses, c.Name)
		switch {
		case !ok || s.State.Running != nil:
			n.pending++
		case s.State.Terminated != nil:
			if s.State.Terminated.ExitCode != 0 {
				n.failed++
			}
		case s.LastTerminationState.Terminated != nil:
			if s.LastTerminationState.Terminated.ExitCode != 0 {
				n.failed++
			}
		default:
			n.pending++
		}
	}
	return n
}

// anyAppStarted: an app container runs or has run.
func anyAppStarted(pod *v1.Pod, statuses []v1.ContainerStatus) bool {
	for i := range pod.Spec.Containers {
		s, ok := byName(statuses, pod.Spec.Containers[i].Name)
		if ok && (s.State.Running != nil || s.State.Terminated != nil || s.LastTerminationState.Terminated != nil) {
			return true
		}
	}
	return false
}

// IsSidecar tells an init container with restartPolicy Always (a native sidecar).
func IsSidecar(c *v1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways
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
