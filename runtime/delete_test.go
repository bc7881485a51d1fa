package runtime

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func deletePod(t *testing.T, rt *Runtime, name string, grace int64) {
	t.Helper()
	if err := rt.Delete(context.Background(), "default", name, &grace); err != nil {
		t.Fatalf("delete %s: %v", name, err)
	}
}

// A delete stops each container (SIGTERM to one that catches it, the cgroup killed at once for
// one that does not), then stops and removes the sandbox: nothing is left.
func TestDeleteStopsThenRemoves(t *testing.T) {
	rt, h := newTestRuntime(t)
	h.catch["a"] = true
	out := apply(t, rt, testPod(t, "web", "a", "b"))
	uid := string(out.UID)
	start := time.Now()
	deletePod(t, rt, "web", 30)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("delete took %v: it waited out the grace period", d)
	}
	if n := len(h.called("proc.signal:SIGTERM")); n != 1 {
		t.Errorf("%d SIGTERMs, want 1 (to a only)", n)
	}
	if n := len(h.called("cg.kill cgroup/pods/" + uid + "/b")); n != 1 {
		t.Errorf("b's cgroup killed %d times, want 1", n)
	}
	// StopContainer (each), StopPodSandbox, RemoveContainer (each), RemovePodSandbox.
	pod := "cgroup/pods/" + uid
	for _, step := range [][2]string{
		{"proc.signal:SIGTERM", "ns.remove"}, {"cg.kill " + pod + "/b", "cg.kill " + pod},
		{"cg.kill " + pod, "ns.remove"}, {"ns.remove", "net.release"}, {"net.release", "cg.remove " + pod + "/a"},
		{"cg.remove " + pod + "/b", "cg.remove " + pod},
	} {
		if !h.before(step[0], step[1]) {
			t.Errorf("%q is not before %q in %v", step[0], step[1], h.calls)
		}
	}
	if left := leftovers(t, rt, h); len(left) != 0 {
		t.Errorf("left %v", left)
	}
	if err := rt.Delete(context.Background(), "default", "web", nil); err == nil {
		t.Error("a second delete of a deleted pod succeeded")
	}
}

// A container that catches SIGTERM but does not exit is killed at the deadline; a later delete
// with a shorter grace period moves the deadline closer.
func TestShorterGraceWins(t *testing.T) {
	rt, h := newTestRuntime(t)
	h.stubborn["a"] = true // catches SIGTERM and carries on
	apply(t, rt, testPod(t, "web", "a"))
	p := rt.lookup("default", "web")
	done := make(chan struct{})
	go func() {
		deletePod(t, rt, "web", 3600)
		close(done)
	}()
	waitFor(t, func() bool { return len(h.called("proc.signal:SIGTERM")) == 1 })
	rec := p.snapshot()
	if rec.DeletionTimestamp == nil || *rec.DeletionGracePeriodSeconds != 3600 {
		t.Errorf("deletion not recorded: %v %v", rec.DeletionTimestamp, rec.DeletionGracePeriodSeconds)
	}
	if onDisk, err := readRecord(p.stateFile()); err != nil || onDisk.DeletionTimestamp == nil {
		t.Errorf("deletion not on disk: %v", err)
	}
	start := time.Now()
	deletePod(t, rt, "web", 0)
	<-done
	if time.Since(start) > 5*time.Second {
		t.Error("the shorter grace period did not win")
	}
	if left := leftovers(t, rt, h); len(left) != 0 {
		t.Errorf("left %v", left)
	}
}

func TestGraceFor(t *testing.T) {
	p := &pod{obj: &corev1.Pod{}}
	if g := p.graceFor(nil); g != 30*time.Second {
		t.Errorf("default grace %v", g)
	}
	five := int64(5)
	p.obj.Spec.TerminationGracePeriodSeconds = &five
	if g := p.graceFor(nil); g != 5*time.Second {
		t.Errorf("spec grace %v", g)
	}
	one := int64(1)
	if g := p.graceFor(&one); g != time.Second {
		t.Errorf("given grace %v", g)
	}
}

func TestDeleteUnknownPod(t *testing.T) {
	rt, _ := newTestRuntime(t)
	if err := rt.Delete(context.Background(), "default", "nope", nil); err == nil {
		t.Error("deleted a pod that does not exist")
	}
	if _, err := rt.Get("default", "nope"); err == nil {
		t.Error("got a pod that does not exist")
	}
}

// A client that goes away does not stop the delete.
func TestDeleteGoesOnWithoutTheClient(t *testing.T) {
	rt, h := newTestRuntime(t)
	apply(t, rt, testPod(t, "web", "a"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	grace := int64(0)
	err := rt.Delete(ctx, "default", "web", &grace)
	if err != nil && !strings.Contains(err.Error(), "the deletion goes on") {
		t.Errorf("delete: %v", err)
	}
	waitFor(t, func() bool { return rt.lookup("default", "web") == nil })
	if left := leftovers(t, rt, h); len(left) != 0 {
		t.Errorf("left %v", left)
	}
}

func TestShutdownAndDetach(t *testing.T) {
	rt, h := newTestRuntime(t)
	apply(t, rt, testPod(t, "one", "a"))
	apply(t, rt, testPod(t, "two", "a"))
	list, _ := rt.List("")
	if len(list) != 2 || list[0].Name != "one" {
		t.Fatalf("list: %v", list)
	}
	rt.Shutdown()
	if left := leftovers(t, rt, h); len(left) != 0 {
		t.Errorf("shutdown left %v", left)
	}
	rt2, _ := newTestRuntime(t)
	rt2.Detach(time.Second)
	if _, _, err := rt2.Apply(context.Background(), testPod(t, "late", "a")); err == nil {
		t.Error("apply after Detach accepted")
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}
