package runtime

import (
	"testing"
	"time"

	"github.com/podd/podd/internal/reaper"
	"github.com/podd/podd/netsetup"
	"github.com/podd/podd/nsinit"
	"github.com/podd/podd/rootfs"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
)

// statusPod is a pod of one container as newPod makes it, with a sandbox, not started.
func statusPod(policy corev1.RestartPolicy) (*pod, *container) {
	obj := &corev1.Pod{Spec: corev1.PodSpec{RestartPolicy: policy, Containers: []corev1.Container{{Name: "app", Image: "img"}}}}
	obj.UID = "u1"
	p := &pod{obj: obj, sandbox: &sandbox{ns: &netsetup.PodNS{}}}
	c := &container{p: p, spec: &obj.Spec.Containers[0], img: &rootfs.Image{ID: "sha256:i"}, proc: &nsinit.Process{Pid: 42}}
	p.ctrs = []*container{c}
	p.initStatuses()
	return p, c
}

// The status methods record what the supervisor sees, as it calls them: start, exit 1,
// back-off, restart.
func TestStatusFollowsTheSupervisor(t *testing.T) {
	p, c := statusPod(corev1.RestartPolicyAlways)
	p.updatePhase()
	if p.obj.Status.Phase != corev1.PodPending || c.status().State.Waiting.Reason != "ContainerCreating" {
		t.Fatalf("created: %s %+v", p.obj.Status.Phase, c.status().State)
	}
	start := time.Now()
	c.setRunning(start)
	p.updatePhase()
	st := p.obj.Status
	if st.Phase != corev1.PodRunning || st.StartTime == nil || !c.status().Ready || c.status().ContainerID != "podd://u1/app/42" ||
		c.status().ImageID != "sha256:i" || condStatus(st, corev1.PodReady) != corev1.ConditionTrue {
		t.Fatalf("running: %+v", st)
	}

	exit := reaper.Exit{Status: unix.WaitStatus(1 << 8), Time: start.Add(time.Second)}
	c.setTerminated(exit, c.exitReason(exit, false))
	p.updatePhase()
	tm := c.status().State.Terminated
	if tm == nil || tm.ExitCode != 1 || tm.Reason != "Error" || tm.ContainerID != "podd://u1/app/42" || !tm.StartedAt.Time.Equal(start) {
		t.Fatalf("exited: %+v", c.status())
	}
	if p.obj.Status.Phase != corev1.PodRunning || condStatus(p.obj.Status, corev1.PodReady) != corev1.ConditionFalse {
		t.Errorf("exited, restartPolicy Always: phase %s, Ready %s; want Running, False", p.obj.Status.Phase, condStatus(p.obj.Status, corev1.PodReady))
	}

	c.restarts++
	c.setWaiting("CrashLoopBackOff", "back-off 10s restarting failed container=app")
	p.updatePhase()
	if s := c.status(); s.RestartCount != 1 || s.State.Waiting == nil || s.LastTerminationState.Terminated == nil || s.LastTerminationState.Terminated.ExitCode != 1 {
		t.Fatalf("back-off: %+v", s)
	}
	c.proc.Pid = 43
	c.setRunning(start.Add(10 * time.Second))
	p.updatePhase()
	if s := c.status(); s.RestartCount != 1 || s.State.Running == nil || s.LastTerminationState.Terminated.Reason != "Error" || !p.obj.Status.StartTime.Time.Equal(start) {
		t.Fatalf("restarted: %+v", s)
	}
}

// Kill by a signal records it; OOM and a lost process give kubelet's reasons.
func TestExitReasons(t *testing.T) {
	_, c := statusPod(corev1.RestartPolicyNever)
	killed := reaper.Exit{Status: unix.WaitStatus(unix.SIGKILL), Time: time.Now()}
	for _, tc := range []struct {
		exit   reaper.Exit
		oom    bool
		reason string
		code   int32
		signal int32
	}{
		{reaper.Exit{Time: time.Now()}, false, "Completed", 0, 0},
		{killed, false, "Error", 137, 9},
		{killed, true, "OOMKilled", 137, 9},
		{reaper.Exit{Unknown: true, Time: time.Now()}, false, "ContainerStatusUnknown", 137, 0},
	} {
		c.setRunning(time.Now())
		c.setTerminated(tc.exit, c.exitReason(tc.exit, tc.oom))
		if tm := c.status().State.Terminated; tm.Reason != tc.reason || tm.ExitCode != tc.code || tm.Signal != tc.signal {
			t.Errorf("%+v oom %v: %+v, want %s %d signal %d", tc.exit, tc.oom, tm, tc.reason, tc.code, tc.signal)
		}
	}
}

// An evicted pod is Failed with its reason and message, its containers running or not.
func TestEvictedStaysFailed(t *testing.T) {
	p, c := statusPod(corev1.RestartPolicyAlways)
	c.setRunning(time.Now())
	p.updatePhase()
	p.obj.Status.Phase, p.obj.Status.Reason, p.obj.Status.Message = corev1.PodFailed, reasonEvicted, "too big"
	p.updatePhase()
	exit := reaper.Exit{Status: unix.WaitStatus(unix.SIGKILL), Time: time.Now()}
	c.setTerminated(exit, c.exitReason(exit, false))
	p.updatePhase()
	if st := p.obj.Status; st.Phase != corev1.PodFailed || st.Reason != reasonEvicted || st.Message != "too big" {
		t.Fatalf("evicted: phase %s reason %q message %q", st.Phase, st.Reason, st.Message)
	}
}

func condStatus(st corev1.PodStatus, typ corev1.PodConditionType) corev1.ConditionStatus {
	for _, c := range st.Conditions {
		if c.Type == typ {
			return c.Status
		}
	}
	return ""
}
