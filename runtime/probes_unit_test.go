package runtime

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/podd/podd/probe"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The probe hooks on the fakes: the probes run on a scheduler of a fake clock; an exec probe
// runs through the fake nsinit.Starter, whose command exits with its argument count (so
// ["check"] fails with exit code 1); a tcp probe dials a loopback listener from podd's own
// network namespace (the probing's netns is nil).

// probeRuntime is a Runtime on fakes whose probes run on the returned fake clock.
func probeRuntime(t *testing.T) (*Runtime, *fakeHost, *probe.FakeClock) {
	t.Helper()
	rt, h := newTestRuntime(t)
	clock := probe.NewFakeClock(time.Now())
	rt.probing = &probing{sched: probe.NewScheduler(clock, 4), dialer: probe.NewDialer()}
	t.Cleanup(rt.stopProbing)
	return rt, h, clock
}

// probedPod is pod web of one container web with the probe of kind k (defaulted, period 1 s).
func probedPod(t *testing.T, k probe.Kind, threshold int32, h corev1.ProbeHandler) *corev1.Pod {
	t.Helper()
	in := testPod(t, "web", "web")
	pr := &corev1.Probe{ProbeHandler: h, PeriodSeconds: 1, FailureThreshold: threshold}
	c := &in.Spec.Containers[0]
	switch k {
	case probe.Readiness:
		c.ReadinessProbe = pr
	case probe.Liveness:
		c.LivenessProbe = pr
	default:
		t.Fatalf("kind %v", k)
	}
	probe.SetContainerDefaults(c)
	return in
}

func execProbe(cmd ...string) corev1.ProbeHandler {
	return corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: cmd}}
}

// advanceUntil moves the fake clock 100 ms at a time (up to a minute of it) until cond holds.
func advanceUntil(t *testing.T, clock *probe.FakeClock, what string, cond func() bool) {
	t.Helper()
	for range 600 {
		if cond() {
			return
		}
		clock.Advance(100 * time.Millisecond)
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("%s: not after a minute of the fake clock", what)
}

// podEvent is the pod's event of reason, or nil.
func podEvent(t *testing.T, rt *Runtime, reason string) *corev1.Event {
	t.Helper()
	events, err := rt.Events("default")
	must(t, err)
	for i := range events {
		if events[i].Reason == reason && events[i].InvolvedObject.Name == "web" {
			return &events[i]
		}
	}
	return nil
}

func readyCondition(t *testing.T, rt *Runtime) corev1.ConditionStatus {
	t.Helper()
	got, err := rt.Get("default", "web")
	must(t, err)
	for _, c := range got.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status
		}
	}
	t.Fatal("no Ready condition")
	return ""
}

// A failing readiness probe (exec, through the fake Starter) keeps the container not ready and
// the pod's Ready condition False, with kubelet's Unhealthy event, and restarts nothing.
func TestProbeReadinessFailingKeepsNotReady(t *testing.T) {
	rt, h, clock := probeRuntime(t)
	out, procs := running(t, rt, h, probedPod(t, probe.Readiness, 1, execProbe("check")))
	if cs := out.Status.ContainerStatuses[0]; cs.Ready || cs.State.Running == nil {
		t.Errorf("before any probe: ready %v running %v, want not ready and running", cs.Ready, cs.State.Running)
	}
	advanceUntil(t, clock, "Unhealthy event", func() bool { return podEvent(t, rt, probe.ReasonUnhealthy) != nil })
	e := podEvent(t, rt, probe.ReasonUnhealthy)
	if e.Type != corev1.EventTypeWarning || e.Message != "Readiness probe failed: check in \n" {
		t.Errorf("event %s %q", e.Type, e.Message)
	}
	if cs := ctrStatus(t, rt, "web", "web"); cs.Ready || cs.RestartCount != 0 || cs.State.Running == nil {
		t.Errorf("after failures: ready %v restarts %d running %v", cs.Ready, cs.RestartCount, cs.State.Running)
	}
	if s := readyCondition(t, rt); s != corev1.ConditionFalse {
		t.Errorf("Ready condition %s, want False", s)
	}
	if procs["web"].done.Load() {
		t.Error("a failing readiness probe killed the container")
	}
	if len(h.called("proc.exec")) == 0 {
		t.Error("the exec probe did not go through the Starter")
	}
	deleteLeavesNothing(t, rt, h, "web")
}

// A tcp readiness probe makes the container ready while its port answers, and not ready again
// when it stops answering.
func TestProbeReadinessTCPBothWays(t *testing.T) {
	rt, h, clock := probeRuntime(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	tcp := corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Host: "127.0.0.1", Port: intstr.FromInt(port)}}
	running(t, rt, h, probedPod(t, probe.Readiness, 1, tcp))
	advanceUntil(t, clock, "ready", func() bool { return ctrStatus(t, rt, "web", "web").Ready })
	if s := readyCondition(t, rt); s != corev1.ConditionTrue {
		t.Errorf("Ready condition %s, want True", s)
	}
	ln.Close()
	advanceUntil(t, clock, "not ready", func() bool { return !ctrStatus(t, rt, "web", "web").Ready })
	if s := readyCondition(t, rt); s != corev1.ConditionFalse {
		t.Errorf("Ready condition %s, want False", s)
	}
	deleteLeavesNothing(t, rt, h, "web")
}

// A liveness probe failing failureThreshold times kills the container (its cgroup: it does
// not catch SIGTERM), which restarts with restartCount 1, with kubelet's Unhealthy and
// Killing events; the new run is probed again.
func TestProbeLivenessFailingRestarts(t *testing.T) {
	rt, h, clock := probeRuntime(t)
	_, procs := running(t, rt, h, probedPod(t, probe.Liveness, 3, execProbe("check")))
	var next *fakeProc
	advanceUntil(t, clock, "restart", func() bool {
		select {
		case next = <-h.starts:
			return true
		default:
			return false
		}
	})
	if !procs["web"].done.Load() || len(h.called("cg.kill")) == 0 {
		t.Error("the first run was not killed through its cgroup")
	}
	u, k := podEvent(t, rt, probe.ReasonUnhealthy), podEvent(t, rt, probe.ReasonKilling)
	// At least 3: the new run may have been probed already.
	if u == nil || u.Type != corev1.EventTypeWarning || u.Message != "Liveness probe failed: check in \n" || u.Count < 3 {
		t.Errorf("Unhealthy event %+v, want 3 of Liveness probe failed", u)
	}
	if n := execsBeforeKill(h); n != 3 {
		t.Errorf("killed after %d failed probes, want 3", n)
	}
	if k == nil || k.Type != corev1.EventTypeNormal || k.Message != "Container web failed liveness probe, will be restarted" {
		t.Errorf("Killing event %+v", k)
	}
	waitFor(t, func() bool { return ctrStatus(t, rt, "web", "web").RestartCount == 1 })
	if cs := ctrStatus(t, rt, "web", "web"); cs.State.Running == nil || next.done.Load() {
		t.Errorf("after the restart: %+v", cs.State)
	}
	waitFor(t, func() bool { return rt.probing.sched.Len() == 1 })
	deleteLeavesNothing(t, rt, h, "web")
}

// A run that ends (restartPolicy Never: no next run) stops its probes.
func TestProbeRunEndStopsProbes(t *testing.T) {
	rt, h, clock := probeRuntime(t)
	in := probedPod(t, probe.Readiness, 1, execProbe("check"))
	in.Spec.RestartPolicy = corev1.RestartPolicyNever
	_, procs := running(t, rt, h, in)
	advanceUntil(t, clock, "a probe", func() bool { return podEvent(t, rt, probe.ReasonUnhealthy) != nil })
	waitFor(t, func() bool { return rt.probing.sched.Len() == 1 }) // scheduled again after its run
	procs["web"].end(exitCode(0))
	waitFor(t, func() bool { return ctrStatus(t, rt, "web", "web").State.Terminated != nil })
	waitFor(t, func() bool { return rt.probing.sched.Len() == 0 })
	before := podEvent(t, rt, probe.ReasonUnhealthy).Count
	clock.Advance(10 * time.Second)
	time.Sleep(20 * time.Millisecond)
	if after := podEvent(t, rt, probe.ReasonUnhealthy).Count; after != before {
		t.Errorf("probed after the run ended: %d Unhealthy, then %d", before, after)
	}
	deleteLeavesNothing(t, rt, h, "web")
}

// execsBeforeKill counts the execs the fake ran before its first cgroup kill.
func execsBeforeKill(h *fakeHost) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, c := range h.calls {
		switch {
		case strings.HasPrefix(c, "cg.kill "):
			return n
		case strings.HasPrefix(c, "proc.exec "):
			n++
		}
	}
	return n
}

// A container that catches SIGTERM gets it first (kubelet's killContainer): one that exits on
// it is not killed through its cgroup; one that carries on is, after the probe's own
// terminationGracePeriodSeconds. Either restarts.
func TestProbeLivenessKillGrace(t *testing.T) {
	for name, stubborn := range map[string]bool{"exits on SIGTERM": false, "ignores SIGTERM": true} {
		t.Run(name, func(t *testing.T) {
			rt, h, clock := probeRuntime(t)
			h.mu.Lock()
			h.catch["web"], h.stubborn["web"] = !stubborn, stubborn
			h.mu.Unlock()
			in := probedPod(t, probe.Liveness, 1, execProbe("check"))
			grace := int64(1)
			in.Spec.Containers[0].LivenessProbe.TerminationGracePeriodSeconds = &grace
			running(t, rt, h, in)
			advanceUntil(t, clock, "Killing event", func() bool { return podEvent(t, rt, probe.ReasonKilling) != nil })
			start := time.Now()
			nextStart(t, h)
			waited := time.Since(start)
			if len(h.called("proc.signal:SIGTERM")) == 0 {
				t.Error("no SIGTERM")
			}
			if killed := len(h.called("cg.kill")) > 0; killed != stubborn {
				t.Errorf("killed through the cgroup: %v, want %v", killed, stubborn)
			}
			if stubborn && waited < 500*time.Millisecond {
				t.Errorf("killed %v after the probe failed, want the probe's grace of 1 s", waited)
			}
			waitFor(t, func() bool { return ctrStatus(t, rt, "web", "web").RestartCount == 1 })
			deleteLeavesNothing(t, rt, h, "web")
		})
	}
}
