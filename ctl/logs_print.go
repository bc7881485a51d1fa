package ctl

import (
	"bytes"
	"context"
	"io"
	"sync"

	"github.com/podd/podd/api/client"
	"github.com/podd/podd/podopts"
)

// printLogs prints the logs of the sources one after the other, or, following more than one,
// all at once (as kubectl), whole lines at a time so that lines of different sources do not
// mix. The first error ends it.
func printLogs(ctx context.Context, cl *client.Client, ns string, sources []logSource, opts podopts.LogOptions, prefix bool, w io.Writer) error {
	out := &lockedWriter{w: w}
	writerFor := func(s logSource) *lineWriter {
		lw := &lineWriter{out: out}
		if prefix {
			lw.prefix = []byte("[pod/" + s.pod + "/" + s.container + "] ")
		}
		return lw
	}
	if !opts.Follow || len(sources) == 1 {
		for _, s := range sources {
			o := opts
			o.Container = s.container
			lw := writerFor(s)
			err := cl.Logs(ctx, ns, s.pod, o, lw)
			lw.Close()
			if err != nil {
				return err
			}
		}
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, len(sources))
	var wg sync.WaitGroup
	for _, s := range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := opts
			o.Container = s.container
			lw := writerFor(s)
			err := cl.Logs(ctx, ns, s.pod, o, lw)
			lw.Close()
			if err != nil && ctx.Err() == nil {
				errs <- err
				cancel()
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// lineWriter writes whole lines, each after prefix. A line longer than lineMax goes out in
// pieces (the prefix only before the first).
type lineWriter struct {
	out     io.Writer
	prefix  []byte
	buf     []byte
	midLine bool // the last piece written did not end its line
}

const lineMax = 64 << 10

func (l *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.buf = append(l.buf, p...)
			if len(l.buf) >= lineMax {
				if err := l.flush(false); err != nil {
					return 0, err
				}
			}
			break
		}
		l.buf = append(l.buf, p[:i+1]...)
		p = p[i+1:]
		if err := l.flush(true); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// flush writes what is buffered, with the prefix when it starts a line.
func (l *lineWriter) flush(ends bool) error {
	var chunk []byte
	if !l.midLine {
		chunk = append(chunk, l.prefix...)
	}
	chunk = append(chunk, l.buf...)
	l.buf, l.midLine = l.buf[:0], !ends
	_, err := l.out.Write(chunk)
	return err
}

// Close writes a last line without its newline.
func (l *lineWriter) Close() error {
	if len(l.buf) == 0 {
		return nil
	}
	return l.flush(false)
}
