package runtime

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/podd/podd/podstatus"

	corev1 "k8s.io/api/core/v1"
)

// withInits adds init containers to a test pod; a name ending in "+" is a sidecar.
func withInits(in *corev1.Pod, names ...string) *corev1.Pod {
	always := corev1.ContainerRestartPolicyAlways
	img := in.Spec.Containers[0].Image
	for _, n := range names {
		c := corev1.Container{Name: n, Image: img, Command: []string{"/bin/app"}}
		if n[len(n)-1] == '+' {
			c.Name, c.RestartPolicy = n[:len(n)-1], &always
		}
		in.Spec.InitContainers = append(in.Spec.InitContainers, c)
	}
	return in
}

func initStatus(t *testing.T, rt *Runtime, pod, ctr string) corev1.ContainerStatus {
	t.Helper()
	got, err := rt.Get("default", pod)
	if err != nil {
		t.Fatal(err)
	}
	for _, cs := range got.Status.InitContainerStatuses {
		if cs.Name == ctr {
			return cs
		}
	}
	t.Fatalf("no init container %s", ctr)
	return corev1.ContainerStatus{}
}

func phase(t *testing.T, rt *Runtime, pod string) corev1.PodPhase {
	t.Helper()
	got, err := rt.Get("default", pod)
	if err != nil {
		t.Fatal(err)
	}
	return got.Status.Phase
}

// noStart checks that nothing else started.
func noStart(t *testing.T, h *fakeHost) {
	t.Helper()
	select {
	case p := <-h.starts:
		t.Fatalf("%s started too early", p.name)
	default:
	}
}

// Init containers run one after the other, each once the previous one exited 0, and the app
// containers only after the last.
func TestInitContainersRunInOrder(t *testing.T) {
	rt, h := newTestRuntime(t)
	apply(t, rt, withInits(testPod(t, "web", "a", "b"), "i1", "i2"))
	i1 := nextStart(t, h)
	if i1.name != "i1" {
		t.Fatalf("first start %s, want i1", i1.name)
	}
	if st := ctrStatus(t, rt, "web", "a").State.Waiting; st == nil || st.Reason != "PodInitializing" {
		t.Errorf("app container while initializing: %+v", st)
	}
	noStart(t, h)
	i1.end(exitCode(0))
	i2 := nextStart(t, h)
	if i2.name != "i2" {
		t.Fatalf("second start %s, want i2", i2.name)
	}
	noStart(t, h)
	i2.end(exitCode(0))
	got := map[string]bool{nextStart(t, h).name: true, nextStart(t, h).name: true}
	if !got["a"] || !got["b"] {
		t.Errorf("app starts %v", got)
	}
	waitFor(t, func() bool { return phase(t, rt, "web") == corev1.PodRunning })
	if st := initStatus(t, rt, "web", "i2").State.Terminated; st == nil || st.Reason != "Completed" {
		t.Errorf("i2: %+v", st)
	}
	deleteLeavesNothing(t, rt, h, "web")
}

// With restartPolicy Never a failed init container fails the pod: nothing else starts.
func TestInitFailureNeverFailsPod(t *testing.T) {
	rt, h := newTestRuntime(t)
	in := withInits(testPod(t, "job", "a"), "i1", "i2")
	in.Spec.RestartPolicy = corev1.RestartPolicyNever
	apply(t, rt, in)
	nextStart(t, h).end(exitCode(3))
	waitFor(t, func() bool { return phase(t, rt, "job") == corev1.PodFailed })
	noStart(t, h)
	if st := initStatus(t, rt, "job", "i1").State.Terminated; st == nil || st.ExitCode != 3 || st.Reason != "Error" {
		t.Errorf("i1: %+v", st)
	}
	deleteLeavesNothing(t, rt, h, "job")
}

// With OnFailure (or Always) a failed init container is restarted with back-off, then the pod
// goes on.
func TestInitFailureRestarts(t *testing.T) {
	rt, h := newTestRuntime(t)
	in := withInits(testPod(t, "web", "a"), "i1")
	in.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
	apply(t, rt, in)
	nextStart(t, h).end(exitCode(1))
	again := nextStart(t, h)
	if again.name != "i1" {
		t.Fatalf("restart of %s, want i1", again.name)
	}
	waitFor(t, func() bool { return initStatus(t, rt, "web", "i1").RestartCount == 1 })
	if phase(t, rt, "web") != corev1.PodPending {
		t.Errorf("phase %s while initializing", phase(t, rt, "web"))
	}
	again.end(exitCode(0))
	if p := nextStart(t, h); p.name != "a" {
		t.Errorf("then %s, want a", p.name)
	}
	deleteLeavesNothing(t, rt, h, "web")
}

// A sidecar starts before the next init container and keeps running; a sidecar that exits is
// restarted; the app containers stop first at the deletion, then the sidecars, last first.
func TestSidecarsStartInOrderAndStopLast(t *testing.T) {
	rt, h := newTestRuntime(t)
	h.catch["s1"], h.catch["s2"], h.catch["a"] = true, true, true
	apply(t, rt, withInits(testPod(t, "web", "a"), "s1+", "i", "s2+"))
	order := []string{}
	for range 2 {
		order = append(order, nextStart(t, h).name)
	}
	if order[0] != "s1" || order[1] != "i" {
		t.Fatalf("starts %v, want s1 then i", order)
	}
	noStart(t, h)
	procs := map[string]*fakeProc{}
	h.mu.Lock()
	for _, p := range h.procs {
		procs[p.name] = p
	}
	h.mu.Unlock()
	procs["i"].end(exitCode(0))
	if p := nextStart(t, h); p.name != "s2" {
		t.Fatalf("then %s, want s2", p.name)
	}
	if p := nextStart(t, h); p.name != "a" {
		t.Fatalf("then %s, want a", p.name)
	}
	procs["s1"].end(exitCode(2))
	if p := nextStart(t, h); p.name != "s1" {
		t.Fatalf("restart of %s, want s1", p.name)
	}
	deletePod(t, rt, "web", 30)
	stops := h.called("proc.signal:SIGTERM")
	if len(stops) != 3 {
		t.Fatalf("SIGTERMs %v", stops)
	}
	names := pidNames(h)
	want := []string{"a", "s2", "s1"}
	for i, c := range stops {
		if names[pidOfCall(c)] != want[i] {
			t.Errorf("stop %d: %s, want %s (all: %v)", i, names[pidOfCall(c)], want[i], stops)
		}
	}
}

// pidNames maps the fake processes' pids to their container names.
func pidNames(h *fakeHost) map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]string{}
	for pid, p := range h.procs {
		out[fmt.Sprint(pid)] = p.name
	}
	return out
}

// pidOfCall is the pid of a "proc.signal:SIG PID" call.
func pidOfCall(call string) string { return call[strings.LastIndex(call, " ")+1:] }

// A sidecar with a startup probe gates the next init container until the probe succeeds.
func TestSidecarStartupProbeGates(t *testing.T) {
	rt, h := newTestRuntime(t)
	in := withInits(testPod(t, "web", "a"), "s+", "i")
	in.Spec.InitContainers[0].StartupProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}},
		PeriodSeconds: 1, FailureThreshold: 3, SuccessThreshold: 1, TimeoutSeconds: 1}
	apply(t, rt, in)
	if p := nextStart(t, h); p.name != "s" {
		t.Fatalf("first %s", p.name)
	}
	time.Sleep(50 * time.Millisecond)
	noStart(t, h)
	if got := initStatus(t, rt, "web", "s"); got.Started == nil || *got.Started {
		t.Errorf("sidecar started before its startup probe: %+v", got.Started)
	}
	p := rt.lookup("default", "web")
	p.mu.Lock()
	p.inits[0].observe(func(o podstatus.Container) podstatus.Container { return o.Probed(true, true) }) // the probe succeeded
	p.updatePhase()
	p.mu.Unlock()
	if s := nextStart(t, h); s.name != "i" {
		t.Fatalf("then %s, want i", s.name)
	}
	deleteLeavesNothing(t, rt, h, "web")
}

// A pod with restartPolicy Never completes once its app containers did: its sidecars are
// stopped then, and it Succeeded.
func TestSidecarsStopWhenAppsComplete(t *testing.T) {
	rt, h := newTestRuntime(t)
	h.catch["s"] = true
	in := withInits(testPod(t, "job", "a"), "s+")
	in.Spec.RestartPolicy = corev1.RestartPolicyNever
	apply(t, rt, in)
	nextStart(t, h)
	nextStart(t, h).end(exitCode(0))
	waitFor(t, func() bool { return phase(t, rt, "job") == corev1.PodSucceeded })
	if st := initStatus(t, rt, "job", "s").State.Terminated; st == nil {
		t.Errorf("sidecar still runs")
	}
	noStart(t, h)
	deleteLeavesNothing(t, rt, h, "job")
}

// A podd restarted while a pod initializes adopts its live sidecar and init container and goes
// on: the init container, whose end it cannot observe, runs again, then the app container.
func TestRecoverWhileInitializing(t *testing.T) {
	rt, h := newTestRuntime(t)
	in := withInits(testPod(t, "web", "a"), "s+", "i")
	in.Spec.RestartPolicy = corev1.RestartPolicyNever
	apply(t, rt, in)
	s, i := nextStart(t, h), nextStart(t, h)
	waitFor(t, func() bool { return initStatus(t, rt, "web", "i").State.Running != nil })
	h.survives(s)
	h.survives(i)
	rt = h.restart(rt)
	rt.Recover()
	noStart(t, h)
	i.end(exitCode(0)) // seen by the new podd as an unknown end
	if again := nextStart(t, h); again.name != "i" {
		t.Fatalf("then %s, want i again", again.name)
	} else {
		again.end(exitCode(0))
	}
	if a := nextStart(t, h); a.name != "a" {
		t.Fatalf("then %s, want a", a.name)
	}
	if st := initStatus(t, rt, "web", "s"); st.State.Running == nil || st.RestartCount != 0 {
		t.Errorf("sidecar: %+v", st)
	}
	deleteLeavesNothing(t, rt, h, "web")
}
