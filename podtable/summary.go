package podtable

import (
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// Summary is the READY, STATUS and RESTARTS cells of a pod.
type Summary struct {
	Ready    string
	Status   string
	Restarts string
}

// Summarize computes READY, STATUS and RESTARTS the way kubectl's pod printer does: STATUS is
// the phase (or pod reason), overridden by a container's waiting or terminated reason
// (CrashLoopBackOff, OOMKilled, Error, Completed, ContainerCreating...), Init:... while init
// containers run, Terminating once deleted.
func Summarize(p *corev1.Pod, now time.Time) Summary {
	s := summary{reason: string(p.Status.Phase), total: len(p.Spec.Containers) + sidecars(p)}
	if p.Status.Reason != "" {
		s.reason = p.Status.Reason
	}
	if !s.initContainers(p) || initializedTrue(p) {
		// init restarts count only while initializing, sidecars' always
		s.restarts, s.lastRestart = s.sidecarRestarts, s.sidecarLastRestart
		s.containers(p)
	}
	if p.DeletionTimestamp != nil && p.Status.Reason == "NodeLost" {
		s.reason = "Unknown"
	} else if p.DeletionTimestamp != nil && !isTerminal(p.Status.Phase) {
		s.reason = "Terminating"
	}
	return Summary{
		Ready:    fmt.Sprintf("%d/%d", s.ready, s.total),
		Status:   s.reason,
		Restarts: s.restartsText(now),
	}
}

type summary struct {
	reason      string
	ready       int
	total       int
	restarts    int
	lastRestart metav1.Time
	// the sidecars' (init containers with restartPolicy Always) restarts
	sidecarRestarts    int
	sidecarLastRestart metav1.Time
}

func isTerminal(phase corev1.PodPhase) bool {
	return phase == corev1.PodSucceeded || phase == corev1.PodFailed
}

// initContainers sets the reason while init containers have not all succeeded (a sidecar:
// started); it reports whether the pod is still initializing. Started sidecars count in READY.
func (s *summary) initContainers(p *corev1.Pod) bool {
	for i, st := range p.Status.InitContainerStatuses {
		s.countRestarts(st)
		sidecar := isSidecar(p, st.Name)
		if sidecar {
			s.sidecarRestarts += int(st.RestartCount)
			if t := st.LastTerminationState.Terminated; t != nil && s.sidecarLastRestart.Before(&t.FinishedAt) {
				s.sidecarLastRestart = t.FinishedAt
			}
		}
		switch {
		case st.State.Terminated != nil && st.State.Terminated.ExitCode == 0:
			continue
		case sidecar && st.Started != nil && *st.Started:
			if st.Ready {
				s.ready++
			}
			continue
		case st.State.Terminated != nil:
			s.reason = "Init:" + terminatedReason(st.State.Terminated)
		case st.State.Waiting != nil && st.State.Waiting.Reason != "" && st.State.Waiting.Reason != "PodInitializing":
			s.reason = "Init:" + st.State.Waiting.Reason
		default:
			s.reason = fmt.Sprintf("Init:%d/%d", i, len(p.Spec.InitContainers))
		}
		return true
	}
	return false
}

// sidecars counts the init containers with restartPolicy Always: kubectl adds them to READY's
// total.
func sidecars(p *corev1.Pod) int {
	n := 0
	for i := range p.Spec.InitContainers {
		if isSidecarSpec(&p.Spec.InitContainers[i]) {
			n++
		}
	}
	return n
}

func isSidecarSpec(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

func isSidecar(p *corev1.Pod, name string) bool {
	for i := range p.Spec.InitContainers {
		if p.Spec.InitContainers[i].Name == name {
			return isSidecarSpec(&p.Spec.InitContainers[i])
		}
	}
	return false
}

func initializedTrue(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodInitialized && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// containers counts ready containers and takes the reason of the first container (in spec
// order) that is waiting or terminated, like kubectl.
func (s *summary) containers(p *corev1.Pod) {
	hasRunning := false
	for i := len(p.Status.ContainerStatuses) - 1; i >= 0; i-- {
		st := p.Status.ContainerStatuses[i]
		s.countRestarts(st)
		switch {
		case st.State.Waiting != nil && st.State.Waiting.Reason != "":
			s.reason = st.State.Waiting.Reason
		case st.State.Terminated != nil:
			s.reason = terminatedReason(st.State.Terminated)
		case st.Ready && st.State.Running != nil:
			hasRunning = true
			s.ready++
		}
	}
	if s.reason == "Completed" && hasRunning {
		s.reason = "NotReady"
		if podReady(p) {
			s.reason = "Running"
		}
	}
}

func terminatedReason(t *corev1.ContainerStateTerminated) string {
	switch {
	case t.Reason != "":
		return t.Reason
	case t.Signal != 0:
		return fmt.Sprintf("Signal:%d", t.Signal)
	default:
		return fmt.Sprintf("ExitCode:%d", t.ExitCode)
	}
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

func (s *summary) countRestarts(st corev1.ContainerStatus) {
	s.restarts += int(st.RestartCount)
	if t := st.LastTerminationState.Terminated; t != nil && s.lastRestart.Before(&t.FinishedAt) {
		s.lastRestart = t.FinishedAt
	}
}

// restartsText is "3", or "3 (5m ago)" when the last restart time is known.
func (s *summary) restartsText(now time.Time) string {
	text := strconv.Itoa(s.restarts)
	if s.restarts != 0 && !s.lastRestart.IsZero() {
		text += fmt.Sprintf(" (%s ago)", Age(s.lastRestart, now))
	}
	return text
}

// Age is kubectl's AGE: 5s, 3m2s, 2d; <unknown> for a zero time.
func Age(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}
