package podstatus

import (
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Kubelet's container and pod reasons.
const (
	ReasonContainerCreating = "ContainerCreating"
	ReasonPodInitializing   = "PodInitializing"
	ReasonCompleted         = "Completed"
	ReasonError             = "Error"
	ReasonOOMKilled         = "OOMKilled"
	ReasonStatusUnknown     = "ContainerStatusUnknown"
	ReasonEvicted           = "Evicted"
	// MessageLost is kubelet's message for a run whose end it could not observe.
	MessageLost = "The container could not be located when the pod was terminated"
)

// ExitReason is kubelet's reason for an ended run: ContainerStatusUnknown when its status was
// lost, OOMKilled when the cgroup saw an OOM kill, else Completed or Error by the exit code.
func ExitReason(e Exit) string {
	switch {
	case e.Lost:
		return ReasonStatusUnknown
	case e.OOMKilled:
		return ReasonOOMKilled
	case e.Code == 0:
		return ReasonCompleted
	default:
		return ReasonError
	}
}

// ContainerStatus is the API status of a container from its observation. A running container
// is started and ready unless its probes say otherwise (Unstarted, Unready).
func ContainerStatus(spec *v1.Container, o Container) v1.ContainerStatus {
	s := v1.ContainerStatus{Name: spec.Name, Image: spec.Image, RestartCount: o.RestartCount,
		ContainerID: o.ContainerID, ImageID: o.ImageID, LastTerminationState: terminatedState(o.LastExit),
		VolumeMounts: VolumeMounts(spec.VolumeMounts)}
	switch o.State {
	case Running:
		s.State.Running = &v1.ContainerStateRunning{StartedAt: metav1.NewTime(o.StartedAt)}
		s.Ready = !o.Unstarted && !o.Unready
		s.Started = boolPtr(!o.Unstarted)
	case Exited:
		s.State = terminatedState(o.Exit)
		s.Started = boolPtr(false)
	case Waiting:
		s.State.Waiting = &v1.ContainerStateWaiting{Reason: o.Reason, Message: o.Message}
		s.Started = boolPtr(false)
	default:
		reason := o.Reason
		if reason == "" {
			reason = ReasonContainerCreating
		}
		s.State.Waiting = &v1.ContainerStateWaiting{Reason: reason, Message: o.Message}
	}
	return s
}

func terminatedState(e *Exit) v1.ContainerState {
	if e == nil {
		return v1.ContainerState{}
	}
	t := &v1.ContainerStateTerminated{ExitCode: e.Code, Signal: e.Signal, Reason: ExitReason(*e),
		StartedAt: metav1.NewTime(e.StartedAt), FinishedAt: metav1.NewTime(e.FinishedAt), ContainerID: e.ContainerID}
	t.Message = e.Message
	if e.Lost {
		t.Message = MessageLost
	}
	return v1.ContainerState{Terminated: t}
}

func boolPtr(b bool) *bool { return &b }

// Observed reads back the observation a container status was made from (podd records no
// other copy): ContainerStatus(spec, Observed(s)) == s for every s ContainerStatus made.
func Observed(s v1.ContainerStatus) Container {
	o := Container{RestartCount: s.RestartCount, ContainerID: s.ContainerID, ImageID: s.ImageID,
		LastExit: exitOf(s.LastTerminationState.Terminated)}
	switch st := s.State; {
	case st.Running != nil:
		o.State, o.StartedAt = Running, st.Running.StartedAt.Time
		o.Unstarted, o.Unready = s.Started != nil && !*s.Started, !s.Ready
	case st.Terminated != nil:
		o.State, o.Exit = Exited, exitOf(st.Terminated)
	case st.Waiting != nil:
		o.Reason, o.Message = st.Waiting.Reason, st.Waiting.Message
		if o.LastExit != nil || s.Started != nil {
			o.State = Waiting
		}
	}
	return o
}

func exitOf(t *v1.ContainerStateTerminated) *Exit {
	if t == nil {
		return nil
	}
	e := &Exit{Code: t.ExitCode, Signal: t.Signal, OOMKilled: t.Reason == ReasonOOMKilled,
		Lost: t.Reason == ReasonStatusUnknown, StartedAt: t.StartedAt.Time, FinishedAt: t.FinishedAt.Time,
		ContainerID: t.ContainerID, Message: t.Message}
	if e.Lost {
		e.Message = ""
	}
	return e
}
