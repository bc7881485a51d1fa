package runtime

import (
	"io"
	"sync"

	"github.com/podd/podd/runtime/logfile"
)

// An attach sees a run's output as podd reads it from the container's pipes (or pty), before
// the log's line framing: a prompt without its newline shows at once, stdout and stderr stay
// apart. Each attach is a tap on the run's capture with a bounded queue: an attach that does
// not keep up loses output, the container and its log never wait for it.

const tapQueue = 256 // chunks of at most a pipe read each

// tap is one attach's queue.
type tap struct {
	ch chan tapChunk
}

type tapChunk struct {
	stream string
	p      []byte
}

// taps are a run's attaches.
type taps struct {
	mu  sync.Mutex
	set map[*tap]struct{}
}

func (t *taps) add() *tap {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.set == nil {
		t.set = map[*tap]struct{}{}
	}
	tp := &tap{ch: make(chan tapChunk, tapQueue)}
	t.set[tp] = struct{}{}
	return tp
}

func (t *taps) remove(tp *tap) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.set, tp)
}

// send copies p to every tap that has room.
func (t *taps) send(stream string, p []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.set) == 0 {
		return
	}
	chunk := tapChunk{stream: stream, p: append([]byte(nil), p...)}
	for tp := range t.set {
		select {
		case tp.ch <- chunk:
		default: // this attach is behind: it loses the chunk
		}
	}
}

// streamRun writes what tp gets of the run l to stdout and stderr (by stream) until l's
// capture ends or done closes, and removes tp.
func streamRun(l *runLog, tp *tap, stdout, stderr io.Writer, done <-chan struct{}) {
	defer l.taps.remove(tp)
	for {
		select {
		case c := <-tp.ch:
			writeChunk(c, stdout, stderr)
		case <-l.done: // the capture ended: what it read is queued already
			for {
				select {
				case c := <-tp.ch:
					writeChunk(c, stdout, stderr)
				default:
					return
				}
			}
		case <-done:
			return
		}
	}
}

func writeChunk(c tapChunk, stdout, stderr io.Writer) {
	w := stdout
	if c.stream == logfile.Stderr {
		w = stderr
	}
	_, _ = w.Write(c.p)
}
