package podstatus

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// podWithInit is podOf with init containers; a name ending in "+" is a sidecar (restartPolicy
// Always), named without the "+".
func podWithInit(policy corev1.RestartPolicy, inits []string, names ...string) *corev1.Pod {
	p := podOf(policy, names...)
	always := corev1.ContainerRestartPolicyAlways
	for _, n := range inits {
		c := corev1.Container{Name: n, Image: "img"}
		if n[len(n)-1] == '+' {
			c.Name, c.RestartPolicy = n[:len(n)-1], &always
		}
		p.Spec.InitContainers = append(p.Spec.InitContainers, c)
	}
	return p
}

func started(s corev1.ContainerStatus, ok bool) corev1.ContainerStatus {
	s.Started = &ok
	s.Ready = s.Ready && ok
	return s
}

func initializing(name string) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name,
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: ReasonPodInitializing}}}
}

func TestPhaseWithInitContainers(t *testing.T) {
	never, onFailure, always := corev1.RestartPolicyNever, corev1.RestartPolicyOnFailure, corev1.RestartPolicyAlways
	for _, c := range []struct {
		name     string
		pod      *corev1.Pod
		statuses []corev1.ContainerStatus
		terminal bool
		want     corev1.PodPhase
	}{
		{"first init runs", podWithInit(always, []string{"i1", "i2"}, "a"),
			statuses(running("i1"), initializing("i2"), initializing("a")), false, corev1.PodPending},
		{"inits done, app created", podWithInit(always, []string{"i1", "i2"}, "a"),
			statuses(terminated("i1", 0), terminated("i2", 0), initializing("a")), false, corev1.PodPending},
		{"inits done, app runs", podWithInit(always, []string{"i1"}, "a"),
			statuses(terminated("i1", 0), running("a")), false, corev1.PodRunning},
		{"init failed, Never", podWithInit(never, []string{"i1", "i2"}, "a"),
			statuses(terminated("i1", 1), initializing("i2"), initializing("a")), false, corev1.PodFailed},
		{"init failed, OnFailure: restarting", podWithInit(onFailure, []string{"i1"}, "a"),
			statuses(backOff("i1", 1), initializing("a")), false, corev1.PodPending},
		{"init failed, Always: restarting", podWithInit(always, []string{"i1"}, "a"),
			statuses(backOff("i1", 1), initializing("a")), false, corev1.PodPending},
		{"sidecar not started", podWithInit(always, []string{"s+"}, "a"),
			statuses(started(running("s"), false), initializing("a")), false, corev1.PodPending},
		{"sidecar started, app waits", podWithInit(always, []string{"s+"}, "a"),
			statuses(started(running("s"), true), initializing("a")), false, corev1.PodPending},
		{"sidecar and app run", podWithInit(always, []string{"s+"}, "a"),
			statuses(started(running("s"), true), running("a")), false, corev1.PodRunning},
		{"app completed, sidecar still runs", podWithInit(never, []string{"s+"}, "a"),
			statuses(started(running("s"), true), terminated("a", 0)), false, corev1.PodRunning},
		{"app completed, sidecar stopped", podWithInit(never, []string{"s+"}, "a"),
			statuses(terminated("s", 143), terminated("a", 0)), false, corev1.PodSucceeded},
		{"app failed, sidecar stopped", podWithInit(never, []string{"s+"}, "a"),
			statuses(terminated("s", 0), terminated("a", 2)), false, corev1.PodFailed},
		{"sidecar restarting after the app started", podWithInit(always, []string{"s+"}, "a"),
			statuses(backOff("s", 1), running("a")), false, corev1.PodRunning},
	} {
		if got := Phase(c.pod, c.statuses, c.terminal); got != c.want {
			t.Errorf("%s: phase %s, want %s", c.name, got, c.want)
		}
	}
}

func TestInitializedCondition(t *testing.T) {
	for _, c := range []struct {
		name     string
		pod      *corev1.Pod
		statuses []corev1.ContainerStatus
		want     corev1.ConditionStatus
		msg      string
	}{
		{"no init containers", podOf("", "a"), statuses(creating("a")), corev1.ConditionTrue, ""},
		{"first runs", podWithInit("", []string{"i1", "i2"}, "a"), statuses(running("i1"), initializing("i2"), initializing("a")),
			corev1.ConditionFalse, "containers with incomplete status: [i1 i2]"},
		{"second failed", podWithInit("", []string{"i1", "i2"}, "a"), statuses(terminated("i1", 0), backOff("i2", 1), initializing("a")),
			corev1.ConditionFalse, "containers with incomplete status: [i2]"},
		{"all succeeded", podWithInit("", []string{"i1", "i2"}, "a"), statuses(terminated("i1", 0), terminated("i2", 0), initializing("a")),
			corev1.ConditionTrue, ""},
		{"sidecar not started", podWithInit("", []string{"s+"}, "a"), statuses(started(running("s"), false), initializing("a")),
			corev1.ConditionFalse, "containers with incomplete status: [s]"},
		{"sidecar started", podWithInit("", []string{"s+"}, "a"), statuses(started(running("s"), true), initializing("a")),
			corev1.ConditionTrue, ""},
		{"sidecar restarting once the app ran", podWithInit("", []string{"s+"}, "a"), statuses(backOff("s", 1), running("a")),
			corev1.ConditionTrue, ""},
	} {
		got := Conditions(c.pod, c.statuses, corev1.PodPending, true, nil, t0)[1]
		if got.Type != corev1.PodInitialized || got.Status != c.want || got.Message != c.msg {
			t.Errorf("%s: %+v, want %s %q", c.name, got, c.want, c.msg)
		}
		if c.want == corev1.ConditionFalse && got.Reason != ReasonNotInitialized {
			t.Errorf("%s: reason %q", c.name, got.Reason)
		}
	}
}

// A sidecar counts in ContainersReady: an unready one keeps the pod unready.
func TestContainersReadyCountsSidecars(t *testing.T) {
	pod := podWithInit("", []string{"i1", "s+"}, "a")
	sts := statuses(terminated("i1", 0), started(running("s"), true), running("a"))
	sts[1].Ready = false
	got := Conditions(pod, sts, corev1.PodRunning, true, nil, t0)[2]
	if got.Status != corev1.ConditionFalse || got.Message != "containers with unready status: [s]" {
		t.Errorf("ContainersReady: %+v", got)
	}
	sts[1].Ready = true
	if got := Conditions(pod, sts, corev1.PodRunning, true, nil, t0)[2]; got.Status != corev1.ConditionTrue {
		t.Errorf("ContainersReady with a ready sidecar: %+v", got)
	}
}

// Generate gives init containers their statuses, and the not yet started ones (app containers
// too) kubelet's PodInitializing.
func TestGenerateInitStatuses(t *testing.T) {
	pod := podWithInit(corev1.RestartPolicyNever, []string{"i1", "i2"}, "a")
	st := Generate(pod, Pod{SandboxReady: true, InitContainers: []Container{{State: Exited, Exit: &Exit{Code: 0}}}}, t0)
	if len(st.InitContainerStatuses) != 2 || st.InitContainerStatuses[0].State.Terminated == nil {
		t.Fatalf("init statuses: %+v", st.InitContainerStatuses)
	}
	for _, s := range []corev1.ContainerStatus{st.InitContainerStatuses[1], st.ContainerStatuses[0]} {
		if w := s.State.Waiting; w == nil || w.Reason != ReasonPodInitializing {
			t.Errorf("%s: %+v, want waiting PodInitializing", s.Name, s.State)
		}
	}
	if st.Phase != corev1.PodPending {
		t.Errorf("phase %s", st.Phase)
	}
	failed := Generate(pod, Pod{InitContainers: []Container{{State: Exited, Exit: &Exit{Code: 3}}}}, t0)
	if failed.Phase != corev1.PodFailed || failed.InitContainerStatuses[0].State.Terminated.Reason != ReasonError {
		t.Errorf("failed init, Never: %s %+v", failed.Phase, failed.InitContainerStatuses[0].State)
	}
	if s := Generate(podOf("", "a"), Pod{}, t0).ContainerStatuses[0].State.Waiting; s.Reason != ReasonContainerCreating {
		t.Errorf("no init containers: %q", s.Reason)
	}
}
