package logfile

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Watcher caps every live log file: one goroutine for all of them, an fstat of each every
// Interval, a check of each file inotify reports written to (at most one per HotInterval), and
// without inotify a check every HotInterval of the files that grew fast. A container writing as
// fast as it can overshoots the cap by about what it writes in a HotInterval (1 GB/s into a
// 1 MiB cap: ~40 MiB at the peak here).
type Watcher struct {
	Max         int64                         // cap on a file's allocated bytes
	List        func() []string               // the files to watch now
	Added       func(path string)             // called when a file starts being watched
	Logf        func(format string, a ...any) // reports errors and the truncate fallback
	Interval    time.Duration                 // full pass; default 250 ms
	HotInterval time.Duration                 // pass over fast-growing files; default 10 ms

	files  map[string]*watched
	byWD   map[int32]string
	mod    *modWatch // nil without inotify: hot files are then found by the full passes only
	warned bool
}

type watched struct {
	f        *os.File
	wd       int32 // inotify watch, -1 if none
	lastSize int64 // st_size at the last full pass
	hot      bool  // grew by more than Max/8 between the last two full passes
}

// Run checks the files until ctx ends.
func (w *Watcher) Run(ctx context.Context) {
	full, hot := w.intervals()
	var modified <-chan struct{}
	if m, err := newModWatch(hot); err == nil {
		w.mod, modified = m, m.notify
	} else {
		w.logf("log cap: %v; fast-growing logs are found by polling only", err)
	}
	nextFull := time.Now()
	for {
		if !time.Now().Before(nextFull) {
			w.Pass()
			nextFull = time.Now().Add(full)
		} else {
			w.HotPass()
		}
		wait := time.Until(nextFull)
		if w.anyHot() {
			wait = min(wait, hot)
		}
		select {
		case <-ctx.Done():
			w.closeAll()
			return
		case <-modified:
			w.checkModified()
		case <-time.After(wait):
		}
	}
}

// checkModified caps the files inotify saw written to.
func (w *Watcher) checkModified() {
	for wd := range w.mod.take() {
		if wd == overflowWD {
			w.HotPass()
			for path, wf := range w.files {
				w.check(path, wf)
			}
			continue
		}
		if path, ok := w.byWD[wd]; ok {
			w.check(path, w.files[path])
		}
	}
}

func (w *Watcher) intervals() (time.Duration, time.Duration) {
	full, hot := w.Interval, w.HotInterval
	if full <= 0 {
		full = 250 * time.Millisecond
	}
	if hot <= 0 {
		hot = 10 * time.Millisecond
	}
	return full, hot
}

// Pass syncs the watched set with List and caps every file.
func (w *Watcher) Pass() {
	if w.files == nil {
		w.files, w.byWD = map[string]*watched{}, map[int32]string{}
	}
	live := map[string]bool{}
	for _, path := range w.List() {
		live[path] = true
		if _, ok := w.files[path]; !ok {
			w.open(path)
		}
	}
	for path, wf := range w.files {
		if !live[path] {
			w.check(path, wf) // its last words may have pushed it past the cap
			w.forget(path, wf)
			continue
		}
		st := w.check(path, wf)
		if st != nil {
			wf.hot = st.Size-wf.lastSize > w.Max/8
			wf.lastSize = st.Size
		}
	}
}

// HotPass caps only the files that grew fast.
func (w *Watcher) HotPass() {
	for path, wf := range w.files {
		if wf.hot {
			w.check(path, wf)
		}
	}
}

func (w *Watcher) anyHot() bool {
	for _, wf := range w.files {
		if wf.hot {
			return true
		}
	}
	return false
}

func (w *Watcher) open(path string) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			w.logf("log cap: %v", err)
		}
		return // not created yet, or gone: the next pass sees
	}
	var st unix.Stat_t
	_ = unix.Fstat(int(f.Fd()), &st)
	wf := &watched{f: f, wd: -1, lastSize: st.Size}
	if w.mod != nil {
		if wd, err := w.mod.add(path); err == nil {
			wf.wd = wd
			w.byWD[wd] = path
		} else {
			w.logf("log cap: %v", err)
		}
	}
	w.files[path] = wf
	if w.Added != nil {
		w.Added(path)
	}
}

// check caps one file with a single fstat, which it returns (nil on error).
func (w *Watcher) check(path string, wf *watched) *unix.Stat_t {
	var st unix.Stat_t
	if err := unix.Fstat(int(wf.f.Fd()), &st); err != nil {
		w.logf("log cap: stat %s: %v", path, err)
		return nil
	}
	act, err := capStat(wf.f, &st, w.Max, w.Max/2)
	if err != nil {
		w.logf("log cap: %v", err)
		return nil
	}
	if act == Truncated && !w.warned {
		w.warned = true
		w.logf("log cap: %s: the filesystem cannot punch holes; log files past %d bytes are truncated to 0 instead (their oldest output is lost)", path, w.Max)
	}
	return &st
}

func (w *Watcher) forget(path string, wf *watched) {
	if wf.wd >= 0 {
		w.mod.remove(wf.wd)
		delete(w.byWD, wf.wd)
	}
	wf.f.Close()
	delete(w.files, path)
}

func (w *Watcher) closeAll() {
	for path, wf := range w.files {
		w.forget(path, wf)
	}
	if w.mod != nil {
		w.mod.close()
		w.mod = nil
	}
}

func (w *Watcher) logf(format string, a ...any) {
	if w.Logf != nil {
		w.Logf(format, a...)
	}
}
