package runtime

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/podd/podd/internal/atomicfile"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

// eventStore holds every pod's events (eventLog, by pod uid), bounded per pod (maxPodEvents)
// and in all (maxEvents: the event least recently seen of any pod goes). Watchers get each
// added or aggregated event. With a directory, each changed pod's events are written there
// (<uid>.json) at most once per flushDelay, off the recording path, and read back when podd
// starts: a crash loses at most the last flushDelay of events. Its mutex is taken after a pod's.
type eventStore struct {
	mu    sync.Mutex
	pods  map[types.UID]*eventLog
	total int
	w     broadcaster

	dir        string // "": in memory only
	flushDelay time.Duration
	dirty      map[types.UID]bool
	scheduled  bool
	flushMu    sync.Mutex // one flush at a time, so files are written in order
}

func newEventStore() *eventStore {
	return &eventStore{pods: map[types.UID]*eventLog{}, dirty: map[types.UID]bool{}}
}

// record adds or aggregates an event about obj (see eventLog.record) and tells the watchers.
func (s *eventStore) record(obj *corev1.Pod, now time.Time, typ, reason, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.pods[obj.UID]
	if l == nil {
		l = &eventLog{}
		s.pods[obj.UID] = l
	}
	before := len(l.items)
	e, added := l.record(obj, now, typ, reason, msg)
	s.total += len(l.items) - before
	kind := watch.Modified
	if added {
		kind = watch.Added
	}
	s.notify(kind, e)
	for s.total > maxEvents {
		s.evictOldest()
	}
	s.markDirty(obj.UID)
}

// evictOldest drops the event seen least recently, of whichever pod; s.mu is held.
func (s *eventStore) evictOldest() {
	var oldest types.UID
	var at time.Time
	for uid, l := range s.pods {
		if len(l.items) > 0 && (oldest == "" || l.items[0].LastTimestamp.Time.Before(at)) {
			oldest, at = uid, l.items[0].LastTimestamp.Time
		}
	}
	l := s.pods[oldest]
	l.items = l.items[1:]
	s.total--
	s.markDirty(oldest)
}

// notify sends a copy of e to the watchers; s.mu is held, so they see the events in order.
func (s *eventStore) notify(kind watch.EventType, e *corev1.Event) {
	if s.w.active() {
		s.w.send(watch.Event{Type: kind, Object: e.DeepCopy()})
	}
}

// list returns a copy of a pod's events.
func (s *eventStore) list(uid types.UID) []corev1.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.pods[uid]; l != nil {
		return l.list()
	}
	return nil
}

// drop forgets a pod's events (the pod is gone), its file too.
func (s *eventStore) drop(uid types.UID) {
	s.mu.Lock()
	if l := s.pods[uid]; l != nil {
		s.total -= len(l.items)
		delete(s.pods, uid)
	}
	delete(s.dirty, uid)
	s.mu.Unlock()
	if s.dir != "" {
		s.flushMu.Lock()
		defer s.flushMu.Unlock()
		if err := os.Remove(s.file(uid)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			logf("events: %v", err)
		}
	}
}

func (s *eventStore) file(uid types.UID) string { return filepath.Join(s.dir, string(uid)+".json") }

// markDirty schedules a flush of the pod's events; s.mu is held.
func (s *eventStore) markDirty(uid types.UID) {
	if s.dir == "" {
		return
	}
	s.dirty[uid] = true
	if !s.scheduled {
		s.scheduled = true
		time.AfterFunc(s.flushDelay, s.flush)
	}
}

// flush writes the events of the pods changed since the last flush.
func (s *eventStore) flush() {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.mu.Lock()
	s.scheduled = false
	writes := map[types.UID][]byte{}
	for uid := range s.dirty {
		if l := s.pods[uid]; l != nil {
			data, err := json.Marshal(l.items)
			if err != nil {
				logf("events of %s: encode: %v", uid, err)
				continue
			}
			writes[uid] = data
		}
	}
	clear(s.dirty)
	s.mu.Unlock()
	for uid, data := range writes {
		if err := atomicfile.Write(s.file(uid), data, false); err != nil {
			logf("events: %v", err)
		}
	}
}

// persistIn makes the store write its events under dir, after reading those of the pods
// (live: whether a pod uid still has a pod directory) a previous podd wrote; the files of pods
// gone are removed.
func (s *eventStore) persistIn(dir string, flushDelay time.Duration, live func(types.UID) bool) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dir, s.flushDelay = dir, flushDelay
	for _, e := range entries {
		uid, ok := strings.CutSuffix(e.Name(), ".json")
		path := filepath.Join(dir, e.Name())
		if !ok || !live(types.UID(uid)) {
			_ = os.Remove(path) // a temporary file, or a pod gone while podd was down
			continue
		}
		s.load(types.UID(uid), path)
	}
	return nil
}

// load reads a pod's events file, keeping at most the bounds; s.mu is held.
func (s *eventStore) load(uid types.UID, path string) {
	data, err := os.ReadFile(path)
	var items []corev1.Event
	if err == nil {
		err = json.Unmarshal(data, &items)
	}
	if err != nil {
		logf("events of %s: %v (dropped)", uid, err)
		return
	}
	if len(items) > maxPodEvents {
		items = items[len(items)-maxPodEvents:]
	}
	s.pods[uid] = &eventLog{items: items}
	s.total += len(items)
	for s.total > maxEvents {
		s.evictOldest()
	}
}
