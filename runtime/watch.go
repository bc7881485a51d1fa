package runtime

import (
	"sync"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// broadcaster hands watch events to every watcher, each through a buffered channel; a watcher
// that lags watchBuffer events behind is dropped (its channel closes: a client lists again, as
// after the API server's "too old resource version").
type broadcaster struct {
	mu       sync.Mutex
	watchers map[chan watch.Event]struct{}
	n        atomic.Int32 // len(watchers), read without mu
}

// watchBuffer is how many events a watcher may lag behind.
const watchBuffer = 256

// active reports whether anyone watches (so that senders copy objects only then).
func (b *broadcaster) active() bool { return b.n.Load() > 0 }

// send hands ev to every watcher.
func (b *broadcaster) send(ev watch.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.watchers {
		select {
		case ch <- ev:
		default:
			b.remove(ch)
		}
	}
}

// watch returns a channel of the events sent from now on, and its cancel.
func (b *broadcaster) watch() (<-chan watch.Event, func()) {
	ch := make(chan watch.Event, watchBuffer)
	b.mu.Lock()
	if b.watchers == nil {
		b.watchers = map[chan watch.Event]struct{}{}
	}
	b.watchers[ch] = struct{}{}
	b.n.Add(1)
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.remove(ch)
	}
}

// remove drops a watcher; b.mu is held.
func (b *broadcaster) remove(ch chan watch.Event) {
	if _, ok := b.watchers[ch]; ok {
		delete(b.watchers, ch)
		b.n.Add(-1)
		close(ch)
	}
}

// WatchPods returns every pod change from now on (ADDED when applied, MODIFIED at each
// recorded change, DELETED when gone), each with a copy of the pod, and the watch's cancel.
func (rt *Runtime) WatchPods() (<-chan watch.Event, func()) { return rt.podWatch.watch() }

// WatchEvents returns every event recorded from now on (ADDED, or MODIFIED when a repeat
// bumped its count), and the watch's cancel.
func (rt *Runtime) WatchEvents() (<-chan watch.Event, func()) { return rt.events.w.watch() }

// podChanged tells the pod watchers; obj is a copy they may keep.
func (rt *Runtime) podChanged(kind watch.EventType, obj *corev1.Pod) {
	rt.podWatch.send(watch.Event{Type: kind, Object: obj})
}
