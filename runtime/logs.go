package runtime

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/podd/podd/api"
	"github.com/podd/podd/runtime/logfile"
)

// Logs copies a container's log (its current or previous run) to w, following it when asked
// until the container stops or ctx ends. Memory is one block whatever the lines or the file:
// --tail reads backwards from the end, and the copy goes a block at a time.
func (rt *Runtime) Logs(ctx context.Context, namespace, name string, opts api.LogOptions, w io.Writer) error {
	p := rt.lookup(namespace, name)
	if p == nil {
		return api.NotFound("pods", name)
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
			return api.BadRequest(fmt.Sprintf("previous terminated container %q in pod %q not found", c.name(), name))
		}
		restart--
	}
	f, err := os.Open(c.logPath(restart))
	if err != nil {
		return fmt.Errorf("open log: %w", err)
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

// running reports whether run number restart of the container is still going.
func (c *container) running(restart int32) bool {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	return c.restarts == restart && c.status().State.Running != nil
}
