package runtime

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

func storePod(i int) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p%d", i), Namespace: "default", UID: types.UID(fmt.Sprintf("u%d", i))}}
}

// Past maxEvents in all, the event least recently seen goes, whichever pod it is about.
func TestEventStoreGlobalBound(t *testing.T) {
	s := newEventStore()
	t0 := time.Unix(1000, 0)
	pods := maxEvents/maxPodEvents + 2
	for i := range pods {
		for j := range maxPodEvents {
			s.record(storePod(i), t0.Add(time.Duration(i*maxPodEvents+j)*time.Millisecond), corev1.EventTypeNormal, "Started", fmt.Sprintf("Started container c%d", j))
		}
	}
	if s.total != maxEvents {
		t.Fatalf("%d events kept, want %d", s.total, maxEvents)
	}
	if n := len(s.list("u0")) + len(s.list("u1")); n != 0 {
		t.Errorf("the oldest pods keep %d events", n)
	}
	if n := len(s.list(types.UID(fmt.Sprintf("u%d", pods-1)))); n != maxPodEvents {
		t.Errorf("the newest pod keeps %d events", n)
	}
	s.drop(types.UID(fmt.Sprintf("u%d", pods-1)))
	if s.total != maxEvents-maxPodEvents {
		t.Errorf("after a drop: %d", s.total)
	}
}

// A watcher sees an event ADDED, then MODIFIED with its count as it repeats.
func TestEventStoreWatch(t *testing.T) {
	s := newEventStore()
	ch, cancel := s.w.watch()
	defer cancel()
	for range 2 {
		s.record(storePod(1), time.Now(), corev1.EventTypeWarning, reasonBackOff, "Back-off restarting failed container c in pod p1")
	}
	for i, want := range []watch.EventType{watch.Added, watch.Modified} {
		ev := <-ch
		if e := ev.Object.(*corev1.Event); ev.Type != want || e.Count != int32(i+1) {
			t.Errorf("watch event %d: %s count %d", i, ev.Type, e.Count)
		}
	}
}

// The events are written (after flushDelay) and read back by the next podd's store; those of
// pods that are gone are removed.
func TestEventStorePersists(t *testing.T) {
	dir := t.TempDir()
	s := newEventStore()
	must(t, s.persistIn(dir, time.Hour, func(types.UID) bool { return true }))
	for range 3 {
		s.record(storePod(1), time.Now(), corev1.EventTypeWarning, reasonBackOff, "Back-off restarting failed container c in pod p1")
	}
	s.record(storePod(2), time.Now(), corev1.EventTypeNormal, reasonStarted, "Started container c")
	s.flush()
	next := newEventStore()
	must(t, next.persistIn(dir, time.Hour, func(uid types.UID) bool { return uid == "u1" }))
	got := next.list("u1")
	if len(got) != 1 || got[0].Count != 3 || got[0].Reason != reasonBackOff {
		t.Fatalf("read back: %+v", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "u2.json")); !os.IsNotExist(err) {
		t.Errorf("the events of a pod gone stay: %v", err)
	}
	next.drop("u1")
	if _, err := os.Stat(filepath.Join(dir, "u1.json")); !os.IsNotExist(err) {
		t.Errorf("dropped events stay on disk: %v", err)
	}
}

// BenchmarkEventAdd is the cost of recording an event (on every container state change): a
// repeat aggregated into a pod's full log, and a new event when the whole store is full (the
// global eviction scans the pods).
func BenchmarkEventAdd(b *testing.B) {
	fill := func() *eventStore {
		s := newEventStore()
		t0 := time.Unix(1000, 0)
		for i := range maxEvents / maxPodEvents {
			for j := range maxPodEvents {
				s.record(storePod(i), t0, corev1.EventTypeNormal, reasonStarted, fmt.Sprintf("Started container c%d", j))
			}
		}
		return s
	}
	b.Run("repeat", func(b *testing.B) {
		s, pod := fill(), storePod(7)
		now := time.Now()
		for b.Loop() {
			s.record(pod, now, corev1.EventTypeNormal, reasonStarted, "Started container c3")
		}
	})
	b.Run("new-store-full", func(b *testing.B) {
		s, pod := fill(), storePod(maxEvents)
		msgs := make([]string, 64)
		for i := range msgs {
			msgs[i] = fmt.Sprintf("Started container x%d", i)
		}
		now, i := time.Now(), 0
		for b.Loop() {
			s.record(pod, now, corev1.EventTypeNormal, reasonStarted, msgs[i%len(msgs)])
			i++
		}
	})
}
