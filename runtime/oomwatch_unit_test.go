package runtime

import (
	"sync"
	"testing"

	"github.com/podd/podd/bpf/oom"
	corev1 "k8s.io/api/core/v1"
)

// fakeWatcher is an oom.Watcher whose events the test sends.
type fakeWatcher struct {
	ch      chan oom.Event
	mu      sync.Mutex
	watched map[string]bool
}

func newFakeWatcher() *fakeWatcher {
	return &fakeWatcher{ch: make(chan oom.Event, 10), watched: map[string]bool{}}
}
func (f *fakeWatcher) Start() error             { return nil }
func (f *fakeWatcher) Events() <-chan oom.Event { return f.ch }
func (f *fakeWatcher) Mechanism() string        { return "fake" }
func (f *fakeWatcher) Close() error             { close(f.ch); return nil }
func (f *fakeWatcher) Watch(dir string) error {
	f.mu.Lock()
	f.watched[dir] = true
	f.mu.Unlock()
	return nil
}
func (f *fakeWatcher) Unwatch(dir string) { f.mu.Lock(); delete(f.watched, dir); f.mu.Unlock() }
func (f *fakeWatcher) isWatched(dir string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.watched[dir]
}

func oomEvents(rt *Runtime) []corev1.Event {
	evs, _ := rt.Events("default")
	var out []corev1.Event
	for _, e := range evs {
		if e.Reason == reasonOOMKilling {
			out = append(out, e)
		}
	}
	return out
}

// A kill in a container's cgroup becomes a Warning OOMKilling event of its pod naming the
// process, whether or not the process was the container's first; a kill elsewhere is ignored;
// a deleted pod's cgroups are no longer watched.
func TestOOMKillRecordsEvent(t *testing.T) {
	rt, _ := newTestRuntime(t)
	fw := newFakeWatcher()
	rt.oom = &oomWatch{w: fw, ids: map[uint64]*container{}}
	var kills []string
	var killsMu sync.Mutex
	rt.OnOOMKill(func(ns, pod, ctr string) { killsMu.Lock(); kills = append(kills, ns+"/"+pod+"/"+ctr); killsMu.Unlock() })
	go rt.oom.run()
	defer fw.Close()
	apply(t, rt, testPod(t, "web", "app", "side"))
	c := rt.lookup("default", "web").ctrs[1]
	waitFor(t, func() bool { return fw.isWatched(c.cgroup()) })
	id, err := oom.CgroupID(c.cgroup())
	if err != nil {
		t.Fatal(err)
	}
	fw.ch <- oom.Event{CgroupID: id + 1000000, PID: 7, Comm: "other"}
	fw.ch <- oom.Event{CgroupID: id, PID: 1234, Comm: "memhog", Kills: 1}
	waitFor(t, func() bool { return len(oomEvents(rt)) == 1 })
	e := oomEvents(rt)[0]
	if e.Type != corev1.EventTypeWarning || e.Message != "Memory cgroup out of memory: Killed process 1234 (memhog)" {
		t.Fatalf("event %s %q", e.Type, e.Message)
	}
	// the kill is counted after the event is recorded (oomWatch.run): wait for it too
	waitFor(t, func() bool { killsMu.Lock(); defer killsMu.Unlock(); return len(kills) > 0 })
	killsMu.Lock()
	if len(kills) != 1 || kills[0] != "default/web/side" {
		t.Errorf("kills counted: %v, want [default/web/side]", kills)
	}
	killsMu.Unlock()
	if err := rt.Delete(t.Context(), "default", "web", nil); err != nil {
		t.Fatal(err)
	}
	if fw.isWatched(c.cgroup()) {
		t.Fatal("a deleted container's cgroup is still watched")
	}
}
