package runtime

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/podd/podd/api"
)

// Logs copies a container's log (its current or previous run) to w, following it when asked
// until the container stops or ctx ends.
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
	if err := skipToTail(f, opts.TailLines); err != nil {
		return err
	}
	if !opts.Follow || opts.Previous {
		_, err = io.Copy(w, f)
		return err
	}
	return follow(ctx, f, w, func() bool { return c.running(restart) })
}

// running reports whether run number restart of the container is still going.
func (c *container) running(restart int32) bool {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	return c.restarts == restart && c.status().State.Running != nil
}

// follow copies f to w as it grows, until alive() turns false and the end is reached.
func follow(ctx context.Context, f *os.File, w io.Writer, alive func() bool) error {
	flush := func() {}
	if fl, ok := w.(interface{ Flush() }); ok {
		flush = fl.Flush
	}
	for {
		live := alive()
		n, err := io.Copy(w, f)
		if err != nil {
			return err
		}
		if n > 0 {
			flush()
			continue
		}
		if !live {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// skipToTail positions f at the start of its last n lines (n < 0: the whole file).
func skipToTail(f *os.File, n int64) error {
	if n < 0 {
		return nil
	}
	var offsets []int64
	r := bufio.NewReader(f)
	var pos int64
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			offsets = append(offsets, pos)
			pos += int64(len(line))
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	start := int64(0)
	switch {
	case n == 0:
		start = pos
	case int64(len(offsets)) > n:
		start = offsets[int64(len(offsets))-n]
	}
	_, err := f.Seek(start, io.SeekStart)
	return err
}
