package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/podd/podd/podopts"
	"github.com/podd/podd/runtime/logfile"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// followInterval is how often logs -f looks for new output, a rotation or the next run.
const followInterval = 100 * time.Millisecond

// Logs copies a container's log (its current or previous run) to w, as the kubelet: the run's
// current file (not the rotated ones), tail first, then since, then the byte limit. Following,
// it goes on across a rotation and into the container's next runs until the container will
// not restart, the pod goes or ctx ends. Memory is one block whatever the lines or the file.
func (rt *Runtime) Logs(ctx context.Context, namespace, name string, opts podopts.LogOptions, w io.Writer) error {
	p := rt.lookup(namespace, name)
	if p == nil {
		return apierrors.NewNotFound(podsResource, name)
	}
	c, err := p.container(opts.Container)
	if err != nil {
		return err
	}
	p.mu.Lock()
	restart := c.restarts
	p.mu.Unlock()
	if opts.Previous {
		if restart == 0 || !exists(c.logPath(restart-1)) {
			return apierrors.NewBadRequest(fmt.Sprintf("previous terminated container %q in pod %q not found", c.name(), name))
		}
		restart--
	}
	f, restart, err := c.openRunLog(restart, !opts.Previous)
	if err != nil {
		return err
	}
	end, err := c.logEnd(f, restart)
	if err != nil {
		f.Close()
		return err
	}
	off, err := logfile.TailStart(f, end, opts.TailLines)
	if err != nil {
		f.Close()
		return err
	}
	sel := &logfile.Selector{Since: opts.Since(time.Now()), Timestamps: opts.Timestamps, LimitBytes: opts.LimitBytes}
	if !opts.Follow || opts.Previous {
		defer f.Close()
		_, err = sel.Copy(w, f, off, end, true) // what the log held at the request
		return limitOK(err)
	}
	fl := &follower{c: c, f: f, run: restart, off: off, sel: sel, w: w}
	defer func() { fl.f.Close() }()
	return limitOK(fl.follow(ctx))
}

// logEnd is where the log of run ends for a reader now: its size, or for a run still being
// captured the end of its whole records (a record half written is left for a later read).
func (c *container) logEnd(f *os.File, run int32) (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("stat log: %w", err)
	}
	if !c.capturing(run) && !c.running(run) {
		return st.Size(), nil // over: a plain log's last line without newline is printed
	}
	return logfile.WholeEnd(f, st.Size())
}

func limitOK(err error) error {
	if errors.Is(err, logfile.ErrLimit) {
		return nil
	}
	return err
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// follower is one logs -f: the file it reads (which a rotation or a restart replaces).
type follower struct {
	c   *container
	f   *os.File
	run int32
	off int64
	sel *logfile.Selector
	w   io.Writer
	// sawLive: this run was seen running (or capturing). Following goes on into the next run
	// only then: logs -f of a container already waiting for its restart ends as it did.
	sawLive bool
}

func (fl *follower) follow(ctx context.Context) error {
	flush := func() {}
	if f, ok := fl.w.(interface{ Flush() }); ok {
		flush = f.Flush
	}
	for {
		live := fl.c.capturing(fl.run) || fl.c.running(fl.run)
		next, err := fl.sel.Copy(fl.w, fl.f, fl.off, -1, !live)
		if err != nil {
			return err
		}
		if next > fl.off {
			fl.off = next
			flush()
			continue
		}
		switched, err := fl.switchFile(live)
		if err != nil || switched {
			if err == nil {
				continue
			}
			return err
		}
		fl.sawLive = fl.sawLive || live
		if !live && (!fl.sawLive || !fl.c.shouldRestart()) {
			return nil // a run seen ending is followed into the next; one already over is not
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(followInterval):
		}
	}
}

// switchFile moves to the run's new file after a rotation (once the old one is read to its
// end), or to the next run's file once this run is over.
func (fl *follower) switchFile(live bool) (bool, error) {
	current := fl.c.logPath(fl.run)
	path, nextRun := nextRotated(fl.f, current), false
	if !live && path == current && isFile(fl.f, current) {
		fl.c.p.mu.Lock()
		later := fl.c.restarts > fl.run
		fl.c.p.mu.Unlock()
		if !later || !exists(fl.c.logPath(fl.run+1)) {
			return false, nil
		}
		path, nextRun = fl.c.logPath(fl.run+1), true
	}
	nf, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil // between a rotation's rename and its new file
	}
	if err != nil {
		return false, fmt.Errorf("open log: %w", err)
	}
	if same(fl.f, nf) {
		nf.Close()
		return false, nil
	}
	// The old file may have got its last records between the read and the rename.
	if _, err := fl.sel.Copy(fl.w, fl.f, fl.off, -1, true); err != nil {
		nf.Close()
		return false, err
	}
	fl.f.Close()
	fl.f, fl.off = nf, 0
	if nextRun {
		fl.run++
		fl.sawLive = false
	}
	return true, nil
}

// nextRotated is the file that follows f among a run's files (its rotated files by time,
// then current): several rotations may have happened since the follower last looked. When f
// is not among them (pruned, or current), it is current.
func nextRotated(f *os.File, current string) string {
	rotated, _ := filepath.Glob(current + ".*")
	sort.Strings(rotated) // RotatedTimeFormat sorts by time
	st, err := f.Stat()
	if err != nil {
		return current
	}
	for i, name := range rotated {
		if o, err := os.Stat(name); err == nil && os.SameFile(st, o) && i+1 < len(rotated) {
			return rotated[i+1]
		}
	}
	return current
}

// isFile reports whether f is the file at path now.
func isFile(f *os.File, path string) bool {
	a, err1 := f.Stat()
	b, err2 := os.Stat(path)
	return err1 == nil && err2 == nil && os.SameFile(a, b)
}

func same(a, b *os.File) bool {
	sa, err1 := a.Stat()
	sb, err2 := b.Stat()
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// openRunLog opens the log of run number restart. Between a crash and the next run's start
// the restart count is already the next run's while its log does not exist yet: then, as the
// kubelet does, the latest run's log is the one shown (when latest is true).
func (c *container) openRunLog(restart int32, latest bool) (*os.File, int32, error) {
	f, err := os.Open(c.logPath(restart))
	if errors.Is(err, fs.ErrNotExist) && latest && restart > 0 {
		restart--
		f, err = os.Open(c.logPath(restart))
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, apierrors.NewBadRequest(fmt.Sprintf("container %q in pod %q is waiting to start: no log yet", c.name(), c.p.obj.Name))
	}
	if err != nil {
		return nil, 0, fmt.Errorf("open log: %w", err)
	}
	return f, restart, nil
}

// running reports whether run number restart of the container is still going.
func (c *container) running(restart int32) bool {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	return c.restarts == restart && c.status().State.Running != nil
}
