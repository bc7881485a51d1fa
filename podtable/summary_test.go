package podtable

import (
	"testing"
	"time"

	"github.com/podd/podd/internal/podfixture"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The fixtures (internal/podfixture), under the short names the tests use.
var (
	now        = podfixture.Now
	ago        = podfixture.Ago
	running    = podfixture.Running
	waiting    = podfixture.Waiting
	terminated = podfixture.Terminated
	pod        = podfixture.Pod
)

func TestAge(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{5 * time.Second, "5s"},
		{3*time.Minute + 2*time.Second, "3m2s"},
		{10*time.Minute + 5*time.Second, "10m"},
		{3*time.Hour + 20*time.Minute, "3h20m"},
		{50 * time.Hour, "2d2h"},
		{9 * 24 * time.Hour, "9d"},
		{400 * 24 * time.Hour, "400d"},
	} {
		if got := Age(ago(c.d), now); got != c.want {
			t.Errorf("Age(%v) = %q, want %q", c.d, got, c.want)
		}
	}
	if got := Age(metav1.Time{}, now); got != "<unknown>" {
		t.Errorf("zero time: %q", got)
	}
}

func TestSummarize(t *testing.T) {
	crashed := waiting("a", "CrashLoopBackOff")
	crashed.RestartCount = 4
	crashed.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 1, FinishedAt: ago(2 * time.Minute)}
	deleting := pod("d", corev1.PodRunning, running("a", true, 0))
	deleting.DeletionTimestamp = &metav1.Time{Time: now}
	for _, c := range []struct {
		pod  corev1.Pod
		want Summary
	}{
		{pod("p", corev1.PodRunning, running("a", true, 0), running("b", false, 1)), Summary{"1/2", "Running", "1"}},
		{pod("p", corev1.PodPending, waiting("a", "ContainerCreating")), Summary{"0/1", "ContainerCreating", "0"}},
		{pod("p", corev1.PodPending, waiting("a", "CreateContainerError")), Summary{"0/1", "CreateContainerError", "0"}},
		{pod("p", corev1.PodRunning, crashed), Summary{"0/1", "CrashLoopBackOff", "4 (2m ago)"}},
		{pod("p", corev1.PodFailed, terminated("a", "OOMKilled", 137)), Summary{"0/1", "OOMKilled", "0"}},
		{pod("p", corev1.PodFailed, terminated("a", "Error", 1)), Summary{"0/1", "Error", "0"}},
		{pod("p", corev1.PodSucceeded, terminated("a", "Completed", 0)), Summary{"0/1", "Completed", "0"}},
		{pod("p", corev1.PodFailed, terminated("a", "", 2)), Summary{"0/1", "ExitCode:2", "0"}},
		{pod("p", corev1.PodRunning, terminated("a", "Completed", 0), running("b", true, 0)), Summary{"1/2", "NotReady", "0"}},
		{pod("p", corev1.PodPending), Summary{"0/0", "Pending", "0"}},
		{deleting, Summary{"1/1", "Terminating", "0"}},
	} {
		if got := Summarize(&c.pod, now); got != c.want {
			t.Errorf("%v: got %+v, want %+v", c.pod.Status.ContainerStatuses, got, c.want)
		}
	}
}

func TestSummarizeInit(t *testing.T) {
	p := pod("p", corev1.PodPending, waiting("a", "PodInitializing"))
	p.Spec.InitContainers = []corev1.Container{{Name: "i1"}, {Name: "i2"}}
	p.Status.InitContainerStatuses = []corev1.ContainerStatus{terminated("i1", "Completed", 0), running("i2", false, 0)}
	if got := Summarize(&p, now).Status; got != "Init:1/2" {
		t.Errorf("running init: %q", got)
	}
	p.Status.InitContainerStatuses[1] = terminated("i2", "Error", 1)
	if got := Summarize(&p, now).Status; got != "Init:Error" {
		t.Errorf("failed init: %q", got)
	}
}

// The STATUS strings of init containers and READY with sidecars, as kubectl prints them.
func TestSummarizeInitStates(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	initPod := func(inits []corev1.ContainerStatus, app corev1.ContainerStatus, initialized bool) corev1.Pod {
		p := pod("p", corev1.PodPending, app)
		for _, s := range inits {
			c := corev1.Container{Name: s.Name}
			if s.Name[0] == 's' {
				c.RestartPolicy = &always
			}
			p.Spec.InitContainers = append(p.Spec.InitContainers, c)
		}
		p.Status.InitContainerStatuses = inits
		st := corev1.ConditionFalse
		if initialized {
			st = corev1.ConditionTrue
		}
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodInitialized, Status: st}}
		return p
	}
	yes := true
	startedSidecar := running("s1", true, 2)
	startedSidecar.Started = &yes
	crashing := waiting("i1", "CrashLoopBackOff")
	crashing.RestartCount = 3
	for _, c := range []struct {
		name string
		pod  corev1.Pod
		want Summary
	}{
		{"first init", initPod([]corev1.ContainerStatus{waiting("i1", "PodInitializing"), waiting("i2", "PodInitializing")}, waiting("a", "PodInitializing"), false),
			Summary{"0/1", "Init:0/2", "0"}},
		{"init back-off", initPod([]corev1.ContainerStatus{crashing}, waiting("a", "PodInitializing"), false),
			Summary{"0/1", "Init:CrashLoopBackOff", "3"}},
		{"init error", initPod([]corev1.ContainerStatus{terminated("i1", "Error", 1)}, waiting("a", "PodInitializing"), false),
			Summary{"0/1", "Init:Error", "0"}},
		{"inits done", initPod([]corev1.ContainerStatus{terminated("i1", "Completed", 0)}, waiting("a", "PodInitializing"), true),
			Summary{"0/1", "PodInitializing", "0"}},
		{"sidecar started, second init runs", initPod([]corev1.ContainerStatus{startedSidecar, running("i2", false, 0)}, waiting("a", "PodInitializing"), false),
			Summary{"1/2", "Init:1/2", "2"}},
		{"sidecar and app run", initPod([]corev1.ContainerStatus{startedSidecar}, running("a", true, 0), true),
			Summary{"2/2", "Pending", "2"}},
	} {
		if got := Summarize(&c.pod, now); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}
