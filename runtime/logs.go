package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/podd/podd/podopts"
	"github.com/podd/podd/runtime/logfile"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Logs copies a container's log (its current or previous run) to w, following it when asked
// until the container stops or ctx ends. Memory is one block whatever the lines or the file:
// --tail reads backwards from the end, and the copy goes a block at a time.
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
		if restart == 0 {
			return apierrors.NewBadRequest(fmt.Sprintf("previous terminated container %q in pod %q not found", c.name(), name))
		}
		restart--
	}
	f, restart, err := c.openRunLog(restart, !opts.Previous)
	if err != nil {
		return err
	}
	defer f.Close()
	tail, err := logfile.TailStart(f, opts.TailLines)
	if err != nil {
		return err
	}
	if !opts.Follow || opts.Previous {
		_, err = logfile.NewTailStream(f, tail).Copy(w) // what the log held at the request
		return err
	}
	s := logfile.NewStream(f, tail.Position)
	return s.Follow(ctx, w, func() bool { return c.running(restart) }, 100*time.Millisecond)
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
