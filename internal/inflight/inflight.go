// Package inflight bounds the bytes of request bodies podd reads whole and decodes at once, as
// an API server bounds its requests in flight: decoding a JSON body takes a few times its size
// for a moment, so without a bound a few large requests at once could take gigabytes.
package inflight

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// Budget admits request bodies by size in two lanes: a body of at most smallMax bytes takes
// the small lane and never waits behind a large one; larger bodies wait their turn (first
// come, first served) in the large lane. Each lane holds at most its size in bytes at once (a
// body larger than the large lane takes all of it).
type Budget struct {
	smallMax     int64
	small, large lane
}

type lane struct {
	sem             *semaphore.Weighted
	size            int64
	waiting, active atomic.Int64
}

// Stats is a lane's requests: holding their bytes of the budget, and waiting for them.
type Stats struct {
	Active, Waiting int64
}

// New is a Budget with lanes of smallBytes and largeBytes; bodies of at most smallMax bytes
// take the small lane.
func New(smallMax, smallBytes, largeBytes int64) *Budget {
	b := &Budget{smallMax: smallMax}
	b.small.sem, b.small.size = semaphore.NewWeighted(smallBytes), smallBytes
	b.large.sem, b.large.size = semaphore.NewWeighted(largeBytes), largeBytes
	return b
}

// Acquire waits for n bytes of the budget, or for ctx's end, and returns their release. n is
// the body's declared size (Content-Length), or the most it may be when it declares none.
func (b *Budget) Acquire(ctx context.Context, n int64) (release func(), err error) {
	l, w := b.lane(n)
	l.waiting.Add(1)
	err = l.sem.Acquire(ctx, w)
	l.waiting.Add(-1)
	if err != nil {
		return nil, fmt.Errorf("waiting for %d bytes of the request budget: %w", n, err)
	}
	return l.acquired(w), nil
}

// TryAcquire takes n bytes of the budget if they are free and no body waits for its turn.
func (b *Budget) TryAcquire(n int64) (release func(), ok bool) {
	l, w := b.lane(n)
	if !l.sem.TryAcquire(w) {
		return nil, false
	}
	return l.acquired(w), true
}

// lane is the lane of a body of n bytes, and the bytes of it the body takes.
func (b *Budget) lane(n int64) (*lane, int64) {
	l := &b.large
	if n <= b.smallMax {
		l = &b.small
	}
	return l, min(max(n, 1), l.size)
}

func (l *lane) acquired(w int64) func() {
	l.active.Add(1)
	return sync.OnceFunc(func() {
		l.active.Add(-1)
		l.sem.Release(w)
	})
}

// Large is the large lane's requests now.
func (b *Budget) Large() Stats {
	return Stats{Active: b.large.active.Load(), Waiting: b.large.waiting.Load()}
}

// Small is the small lane's requests now.
func (b *Budget) Small() Stats {
	return Stats{Active: b.small.active.Load(), Waiting: b.small.waiting.Load()}
}

// Bodies is podd's budget, which the API's handlers and the podctl route share: bodies of up to
// 4 MiB (a manifest, a usual podctl command) share 64 MiB, larger ones (a podctl command with
// big files, up to 64 MiB) take 64 MiB between them: one near that size at a time.
var Bodies = New(4<<20, 64<<20, 64<<20)

// ReadBody reads r's whole body, of at most max bytes, within b: it first waits for the body's
// size (declared, else max) of b, then reads it within timeout from then on. release gives the
// share back: the caller calls it once done with the body (decoded). A size over max (declared,
// or sent) is an *http.MaxBytesError, a client too slow os.ErrDeadlineExceeded, a client gone
// while waiting a *NoTurnError. The read deadline is lifted once the body is in, so that a long
// request is never cut; after a failure it stays, so the server drops the rest of the body and
// the connection instead of waiting for them.
func (b *Budget) ReadBody(w http.ResponseWriter, r *http.Request, max int64, timeout time.Duration) (body []byte, release func(), err error) {
	noop := func() {}
	if r.ContentLength > max {
		return nil, noop, &http.MaxBytesError{Limit: max}
	}
	size := r.ContentLength
	if size < 0 {
		size = max
	}
	release, err = b.acquireWhileConnected(r.Context(), size)
	if err != nil {
		return nil, noop, &NoTurnError{err}
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(timeout))
	body, err = Read(http.MaxBytesReader(w, r.Body, max), r.ContentLength, max)
	if err != nil {
		release()
		return nil, noop, err
	}
	_ = rc.SetReadDeadline(time.Time{})
	return body, release, nil
}

// acquireWhileConnected is Acquire for a request's body: a body that has to wait stops waiting
// when its client hangs up (net/http notices that only once the body is read, so a client gone
// kept its place in the queue until its turn).
func (b *Budget) acquireWhileConnected(ctx context.Context, n int64) (func(), error) {
	if release, ok := b.TryAcquire(n); ok {
		return release, nil
	}
	ctx, stop := untilHangup(ctx)
	defer stop()
	return b.Acquire(ctx, n)
}

// NoTurnError is a body that never got its share of the budget: its request was cancelled
// (the client went away) while it waited.
type NoTurnError struct{ err error }

func (e *NoTurnError) Error() string { return e.err.Error() }
func (e *NoTurnError) Unwrap() error { return e.err }

// Read reads a body of the declared size into one buffer of that size (not the doublings of a
// growing one), or one that declares none (declared < 0) up to max bytes: more is an
// *http.MaxBytesError. The caller has refused a declared size over max.
func Read(body io.Reader, declared, max int64) ([]byte, error) {
	if declared < 0 {
		b, err := io.ReadAll(io.LimitReader(body, max+1))
		if err == nil && int64(len(b)) > max {
			err = &http.MaxBytesError{Limit: max}
		}
		return b, err
	}
	b := make([]byte, declared)
	if _, err := io.ReadFull(body, b); err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	return b, nil
}
