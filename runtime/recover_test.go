package runtime

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A restarted podd adopts the container still running (its exit is watched) and restarts the
// one that died meanwhile; the pinned namespaces are reopened, not made again.
func TestRecoverAdoptsAndRestarts(t *testing.T) {
	rt, h, out, procs := restartedPodd(t, []string{"a", "b"}, "a")
	procs["b"].end(killed) // while podd was down
	rt.Recover()
	if h.count("proc.watch "+itoa(procs["a"].pid)) != 1 || len(h.called("ns.create")) != 0 || len(h.called("ns.open")) != 1 {
		t.Errorf("calls %v", h.calls)
	}
	b := nextStart(t, h)
	waitFor(t, func() bool { return ctrStatus(t, rt, "web", "b").State.Running != nil })
	a, bs := ctrStatus(t, rt, "web", "a"), ctrStatus(t, rt, "web", "b")
	if a.State.Running == nil || a.RestartCount != 0 || !strings.HasSuffix(a.ContainerID, "/"+itoa(procs["a"].pid)) {
		t.Errorf("a: %+v", a)
	}
	if bs.RestartCount != 1 || bs.LastTerminationState.Terminated == nil || bs.LastTerminationState.Terminated.Reason != "ContainerStatusUnknown" {
		t.Errorf("b: %+v", bs)
	}
	if got, _ := rt.Get("default", "web"); got.Status.PodIP != out.Status.PodIP {
		t.Errorf("IP %s, was %s", got.Status.PodIP, out.Status.PodIP)
	}
	procs["a"].end(exitCode(2)) // the adopted process exits: restarted, its code unknown
	nextStart(t, h)
	waitFor(t, func() bool { return ctrStatus(t, rt, "web", "a").RestartCount == 1 })
	_ = b
	deleteLeavesNothing(t, rt, h, "web")
}

// Pins lost with the old podd's mount namespace are taken back from a live container.
func TestRecoverRepinsFromALiveContainer(t *testing.T) {
	rt, h, out, procs := restartedPodd(t, []string{"a"}, "a")
	if err := os.RemoveAll(filepath.Join(rt.nsDir(), string(out.UID))); err != nil {
		t.Fatal(err)
	}
	rt.Recover()
	if n := len(h.called("ns.adopt:" + itoa(procs["a"].pid))); n != 1 {
		t.Errorf("adopted %d times; calls %v", n, h.calls)
	}
	if st := ctrStatus(t, rt, "web", "a"); st.State.Running == nil {
		t.Errorf("a: %+v", st)
	}
	deleteLeavesNothing(t, rt, h, "web")
}

// Pins gone and no container alive (a reboot): a new sandbox with a new address, every
// container started again.
func TestRecoverRebuildsTheSandbox(t *testing.T) {
	rt, h, out, procs := restartedPodd(t, []string{"a"})
	procs["a"].end(killed)
	if err := os.RemoveAll(filepath.Join(rt.nsDir(), string(out.UID))); err != nil {
		t.Fatal(err)
	}
	rt.Recover()
	for _, want := range []string{"net.release", "ns.create", "net.attach"} {
		if len(h.called(want)) != 1 {
			t.Errorf("no %s: %v", want, h.calls)
		}
	}
	nextStart(t, h)
	waitFor(t, func() bool { return ctrStatus(t, rt, "web", "a").State.Running != nil })
	if got, _ := rt.Get("default", "web"); got.Status.PodIP == out.Status.PodIP || got.Status.PodIP == "" {
		t.Errorf("IP %q, was %q: want a new one", got.Status.PodIP, out.Status.PodIP)
	}
	deleteLeavesNothing(t, rt, h, "web")
}

// Two container processes in one cgroup (a run podd lost track of): the one the record names
// is kept, the other killed.
func TestRecoverKillsASecondProcess(t *testing.T) {
	rt, h, _, procs := restartedPodd(t, []string{"a"}, "a")
	extra := h.stranger(procs["a"].cg, time.Now().Add(-time.Hour))
	rt.Recover()
	if !extra.done.Load() || procs["a"].done.Load() {
		t.Errorf("extra ended %v, recorded one ended %v", extra.done.Load(), procs["a"].done.Load())
	}
	deletePod(t, rt, "web", 0)
}

// A container a previous podd restarted but did not record (killed before saving): adopted as
// the next run, with the next log.
func TestRecoverAdoptsAnUnrecordedRun(t *testing.T) {
	rt, h, _, procs := restartedPodd(t, []string{"a"})
	procs["a"].end(killed)
	newer := h.stranger(procs["a"].cg, time.Now())
	logs, _ := filepath.Glob(filepath.Join(rt.opts.LogDir, "*", "a", "0.log"))
	if len(logs) != 1 {
		t.Fatalf("logs %v", logs)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(logs[0]), "1.log"), nil, 0o640); err != nil {
		t.Fatal(err)
	}
	rt.Recover()
	st := ctrStatus(t, rt, "web", "a")
	if st.State.Running == nil || st.RestartCount != 1 || !strings.HasSuffix(st.ContainerID, "/"+itoa(newer.pid)) {
		t.Errorf("a: %+v", st)
	}
	deleteLeavesNothing(t, rt, h, "web")
}

// An apply cut short (its marker still there) is rolled back entirely; a delete cut short is
// finished.
func TestRecoverRollsBackAndFinishes(t *testing.T) {
	rt, h := newTestRuntime(t)
	cut, _ := running(t, rt, h, testPod(t, "cut", "a"))
	deleting, _ := running(t, rt, h, testPod(t, "deleting", "a"))
	if err := os.WriteFile(filepath.Join(rt.podsDir(), string(cut.UID), applyingMarker), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	p := rt.lookup("default", "deleting")
	p.mu.Lock()
	p.markDeleted(time.Now().Add(time.Second), time.Second)
	p.mu.Unlock()
	if err := p.write(true); err != nil {
		t.Fatal(err)
	}
	rt = h.restart(rt)
	rt.Recover()
	if rt.lookup("default", "cut") != nil {
		t.Error("the cut apply is listed")
	}
	waitFor(t, func() bool { return rt.lookup("default", "deleting") == nil })
	if left := leftovers(t, rt, h); len(left) != 0 {
		t.Errorf("left %v", left)
	}
	_ = deleting
}

// Directories that are not whole pods: an unreadable record (kept under corrupt/), a directory
// without a record, an apply cut before its record or halfway through writing it (record writes
// the first pod.json in place, writeNew); and what belongs to no pod at all (cgroup, pins,
// address): all cleaned up.
func TestRecoverCleansUp(t *testing.T) {
	rt, h := newTestRuntime(t)
	uids := map[string]string{
		"corrupt":  "11111111-0000-4000-8000-000000000000",
		"norecord": "22222222-0000-4000-8000-000000000000",
		"applying": "33333333-0000-4000-8000-000000000000",
		"orphan":   "44444444-0000-4000-8000-000000000000",
		"mismatch": "55555555-0000-4000-8000-000000000000",
		"torn":     "66666666-0000-4000-8000-000000000000",
	}
	for kind, uid := range uids {
		dir := filepath.Join(rt.podsDir(), uid)
		must(t, os.MkdirAll(filepath.Join(rt.podsCg, uid, "c"), 0o755))
		must(t, os.MkdirAll(filepath.Join(rt.nsDir(), uid), 0o700))
		(fakeNet{h}).Attach(nil, uid)
		if kind == "orphan" {
			continue
		}
		must(t, os.MkdirAll(dir, 0o700))
		switch kind {
		case "corrupt":
			must(t, os.WriteFile(filepath.Join(dir, "pod.json"), []byte("{not json"), 0o600))
		case "applying":
			must(t, os.WriteFile(filepath.Join(dir, applyingMarker), nil, 0o600))
		case "torn":
			must(t, os.WriteFile(filepath.Join(dir, applyingMarker), nil, 0o600))
			must(t, os.WriteFile(filepath.Join(dir, "pod.json"), []byte(`{"metadata":{"name":"we`), 0o600))
		case "mismatch":
			data, _ := json.Marshal(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "x", UID: "other"}})
			must(t, os.WriteFile(filepath.Join(dir, "pod.json"), data, 0o600))
		}
	}
	rt.Recover()
	if left := leftovers(t, rt, h); len(left) != 0 {
		t.Errorf("left %v", left)
	}
	for _, kind := range []string{"corrupt", "mismatch"} {
		if _, err := os.Stat(filepath.Join(rt.opts.Root, "corrupt", uids[kind]+".pod.json")); err != nil {
			t.Errorf("%s record not kept: %v", kind, err)
		}
	}
	if _, err := os.Stat(filepath.Join(rt.opts.Root, "corrupt", uids["torn"]+".pod.json")); err == nil {
		t.Error("the torn record of an apply cut short was kept as corrupt: it is rolled back")
	}
}

// A pod whose image is gone cannot be recovered: it stays listed as Unknown, and can be deleted.
func TestRecoverWithoutTheImage(t *testing.T) {
	rt, h, out, _ := restartedPodd(t, []string{"a"})
	must(t, os.RemoveAll(out.Spec.Containers[0].Image))
	rt.Recover()
	got, err := rt.Get("default", "web")
	if err != nil || got.Status.Phase != corev1.PodUnknown || !strings.Contains(got.Status.Message, "could not recover") {
		t.Fatalf("pod %v: %v", got.Status, err)
	}
	deleteLeavesNothing(t, rt, h, "web")
}
