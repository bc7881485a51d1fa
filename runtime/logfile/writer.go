package logfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// RotatedTimeFormat names a rotated file `<run>.log.<time>`: the kubelet's format, with the
// nanoseconds added so two rotations in one second do not collide.
const RotatedTimeFormat = "20060102-150405.000000000"

// Writer appends records to a container run's log file, rotating it past MaxSize (renamed to
// `<path>.<time>`, as the kubelet) and keeping at most MaxFiles files of the container (Prune).
// A write that fails (a full disk) drops its records, counts them and says so once through
// Logf: it never blocks or fails the container. Safe for its two streams at once.
type Writer struct {
	path     string
	maxSize  int64
	maxFiles int
	logf     func(format string, a ...any)

	mu      sync.Mutex
	f       *os.File
	ino     uint64 // f's inode: where a Mark says records went
	size    int64
	warned  bool
	dropped atomic.Int64
}

// OpenWriter opens (or appends to) the log file at path.
func OpenWriter(path string, maxSize int64, maxFiles int, logf func(string, ...any)) (*Writer, error) {
	w := &Writer{path: path, maxSize: maxSize, maxFiles: maxFiles, logf: logf}
	if err := w.open(); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *Writer) open() error {
	f, err := os.OpenFile(w.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("stat log: %w", err)
	}
	w.f, w.size, w.ino = f, st.Size(), inode(st)
	return nil
}

// Dropped is how many records were lost to failed writes.
func (w *Writer) Dropped() int64 { return w.dropped.Load() }

// Write appends whole records (each ending in a newline; records counts them), rotating
// first when they would take the file past MaxSize.
func (w *Writer) Write(recs []byte, records int) { w.write(recs, records, nil) }

// write is Write, calling mark (when not nil) with the file and offset where recs will land,
// after any rotation and before they are written.
func (w *Writer) write(recs []byte, records int, mark func(ino uint64, off int64, n int)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		w.drop(records, errors.New("log file closed"))
		return
	}
	if w.size > 0 && w.size+int64(len(recs)) > w.maxSize {
		w.rotate()
	}
	if mark != nil {
		mark(w.ino, w.size, len(recs))
	}
	n, err := w.f.Write(recs)
	w.size += int64(n)
	if err != nil {
		w.undoShort(n)
		w.drop(records, err)
	}
}

// undoShort cuts a partly written batch off again, so the file holds whole records only.
func (w *Writer) undoShort(n int) {
	if n > 0 && w.f.Truncate(w.size-int64(n)) == nil {
		w.size -= int64(n)
	}
}

func (w *Writer) drop(records int, err error) {
	w.dropped.Add(int64(records))
	if !w.warned {
		w.warned = true
		if errors.Is(err, syscall.ENOSPC) {
			err = fmt.Errorf("log disk full: %w", err)
		}
		w.logf("log %s: %v: dropping the container's output until writes succeed again (counted)", w.path, err)
	}
}

// rotate moves the full file aside and starts a new one, without a moment where the log's path
// is missing (a reader opening it then would find no log): the full file gets its rotated name
// as a second link, a new empty file made beside the directory replaces the path by rename(2),
// and the older files are pruned first so the directory never holds more than MaxFiles. On
// failure the old file goes on growing rather than losing output.
func (w *Writer) rotate() {
	if err := Prune(w.path, w.maxFiles-1); err != nil {
		w.logf("log %s: %v", w.path, err)
	}
	rotated := w.path + "." + time.Now().UTC().Format(RotatedTimeFormat)
	if err := os.Link(w.path, rotated); err != nil {
		w.logf("log %s: rotate: %v", w.path, err)
		return
	}
	// The new file is made outside the container's log directory, where readers and Prune look.
	tmp := filepath.Join(filepath.Dir(filepath.Dir(w.path)), "."+filepath.Base(filepath.Dir(w.path))+"-"+filepath.Base(w.path)+".new")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY|os.O_APPEND, 0o640)
	if err == nil {
		if err = os.Rename(tmp, w.path); err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}
	if err != nil {
		_ = os.Remove(rotated)
		w.logf("log %s: rotate: %v", w.path, err)
		return
	}
	w.f.Close()
	w.f, w.size, w.ino = f, 0, 0
	if st, err := f.Stat(); err == nil {
		w.ino = inode(st)
	}
}

// Close closes the file; later writes are dropped.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	if d := w.dropped.Load(); d > 0 {
		w.logf("log %s: %d records were dropped (failed writes)", w.path, d)
	}
	return err
}
