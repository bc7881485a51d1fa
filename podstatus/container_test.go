package podstatus

import (
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
)

func TestExitReason(t *testing.T) {
	for _, c := range []struct {
		exit Exit
		want string
	}{
		{Exit{Code: 0}, ReasonCompleted},
		{Exit{Code: 1}, ReasonError},
		{Exit{Code: 137, Signal: 9}, ReasonError},
		{Exit{Code: 137, Signal: 9, OOMKilled: true}, ReasonOOMKilled},
		{Exit{Code: 0, OOMKilled: true}, ReasonOOMKilled}, // a child was OOM killed, PID 1 went on
		{Exit{Code: 137, Lost: true}, ReasonStatusUnknown},
		{Exit{Code: 137, Lost: true, OOMKilled: true}, ReasonStatusUnknown},
	} {
		if got := ExitReason(c.exit); got != c.want {
			t.Errorf("%+v: %s, want %s", c.exit, got, c.want)
		}
	}
}

// A container's life as the runtime records it: created, running, killed by a signal, waiting
// in back-off, running again, OOM killed, started again at once.
func TestContainerLife(t *testing.T) {
	spec := &corev1.Container{Name: "app", Image: "img"}
	t1, t2, t3, t4 := t0.Add(time.Second), t0.Add(2*time.Second), t0.Add(3*time.Second), t0.Add(4*time.Second)
	o := Container{}
	s := ContainerStatus(spec, o)
	if w := s.State.Waiting; w == nil || w.Reason != ReasonContainerCreating || s.Ready || s.Started != nil || s.Name != "app" || s.Image != "img" {
		t.Fatalf("created: %+v", s)
	}

	o = o.Run(t0, "podd://u/app/10", "sha256:i", 0)
	s = ContainerStatus(spec, o)
	if r := s.State.Running; r == nil || !r.StartedAt.Time.Equal(t0) || !s.Ready || s.Started == nil || !*s.Started ||
		s.ContainerID != "podd://u/app/10" || s.ImageID != "sha256:i" || s.RestartCount != 0 {
		t.Fatalf("running: %+v", s)
	}

	o = o.End(Exit{Code: 137, Signal: 9, FinishedAt: t1})
	s = ContainerStatus(spec, o)
	tm := s.State.Terminated
	if tm == nil || tm.ExitCode != 137 || tm.Signal != 9 || tm.Reason != ReasonError || !tm.StartedAt.Time.Equal(t0) ||
		!tm.FinishedAt.Time.Equal(t1) || tm.ContainerID != "podd://u/app/10" || s.Ready || s.Started == nil || *s.Started {
		t.Fatalf("killed: %+v", s)
	}
	if s.LastTerminationState.Terminated != nil {
		t.Fatalf("killed: lastState %+v before any restart", s.LastTerminationState)
	}

	o = o.Wait("CrashLoopBackOff", "back-off 10s", 1)
	s = ContainerStatus(spec, o)
	if w := s.State.Waiting; w == nil || w.Reason != "CrashLoopBackOff" || w.Message != "back-off 10s" || s.RestartCount != 1 ||
		s.LastTerminationState.Terminated == nil || s.LastTerminationState.Terminated.Signal != 9 || s.Started == nil || *s.Started {
		t.Fatalf("back-off: %+v", s)
	}

	o = o.Run(t2, "podd://u/app/11", "sha256:i", 1)
	s = ContainerStatus(spec, o)
	if s.State.Running == nil || s.RestartCount != 1 || s.LastTerminationState.Terminated == nil ||
		s.LastTerminationState.Terminated.ContainerID != "podd://u/app/10" {
		t.Fatalf("restarted: %+v", s)
	}

	o = o.End(Exit{Code: 137, Signal: 9, OOMKilled: true, FinishedAt: t3})
	if tm := ContainerStatus(spec, o).State.Terminated; tm.Reason != ReasonOOMKilled || !tm.StartedAt.Time.Equal(t2) {
		t.Fatalf("OOM killed: %+v", tm)
	}

	o = o.Run(t4, "podd://u/app/12", "sha256:i", 2) // an immediate restart: no back-off in between
	s = ContainerStatus(spec, o)
	if last := s.LastTerminationState.Terminated; last == nil || last.Reason != ReasonOOMKilled || last.ContainerID != "podd://u/app/11" || s.RestartCount != 2 {
		t.Fatalf("restarted after the OOM kill: %+v", s)
	}
}

func TestLostExit(t *testing.T) {
	o := Container{}.Run(t0, "podd://u/app/10", "", 0).End(Exit{Code: 137, Lost: true, FinishedAt: t0})
	tm := ContainerStatus(&corev1.Container{Name: "app"}, o).State.Terminated
	if tm.Reason != ReasonStatusUnknown || tm.Message != MessageLost || tm.ExitCode != 137 {
		t.Fatalf("lost: %+v", tm)
	}
}

// Observed is the inverse of ContainerStatus over every state the transitions make.
func TestObservedRoundTrip(t *testing.T) {
	spec := &corev1.Container{Name: "app", Image: "img"}
	created := Container{}
	run := created.Run(t0, "id1", "img1", 0)
	oom := run.End(Exit{Code: 137, Signal: 9, OOMKilled: true, FinishedAt: t0.Add(time.Second)})
	backoff := oom.Wait("CrashLoopBackOff", "back-off", 1)
	failed := backoff.Wait("CreateContainerError", "no such file", 2)
	rerun := failed.Run(t0.Add(time.Minute), "id2", "img1", 2)
	lost := rerun.End(Exit{Code: 137, Lost: true, FinishedAt: t0.Add(2 * time.Minute)})
	done := Container{}.Run(t0, "id3", "img1", 0).End(Exit{Code: 0, FinishedAt: t0})
	for name, o := range map[string]Container{"created": created, "running": run, "OOM killed": oom,
		"back-off": backoff, "create error": failed, "rerun": rerun, "lost": lost, "completed": done} {
		s := ContainerStatus(spec, o)
		back := Observed(s)
		if !reflect.DeepEqual(back, normalize(o)) {
			t.Errorf("%s: observed %+v, want %+v", name, back, normalize(o))
		}
		if again := ContainerStatus(spec, back); !equality.Semantic.DeepEqual(again, s) {
			t.Errorf("%s: status %+v, want %+v", name, again, s)
		}
	}
	if o := Observed(corev1.ContainerStatus{}); o.State != Creating {
		t.Errorf("a status without a state: %+v, want Creating", o)
	}
}

// normalize is the observation as a status keeps it: a creating container's default reason.
func normalize(o Container) Container {
	if o.State == Creating && o.Reason == "" {
		o.Reason = ReasonContainerCreating
	}
	return o
}
