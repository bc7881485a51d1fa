package inflight

import (
	"context"
	"errors"
	"runtime"
	"testing"
)

// A large body waits for the large lane only: small ones are admitted while a large one
// holds the lane and another waits for it, and a wait ends with its context.
func TestSmallNeverWaitsBehindLarge(t *testing.T) {
	b := New(4<<20, 8<<20, 64<<20)
	first, err := b.Acquire(context.Background(), 60<<20)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	waited := make(chan error, 1)
	go func() {
		_, err := b.Acquire(ctx, 50<<20)
		waited <- err
	}()
	for b.Large().Waiting != 1 { // the second large body queues
		runtime.Gosched()
	}
	for range 2 { // a small lane of 8 MiB holds two of 4 MiB
		if _, err := b.Acquire(context.Background(), 4<<20); err != nil {
			t.Fatal(err)
		}
	}
	if s := b.Small(); s.Active != 2 || s.Waiting != 0 {
		t.Errorf("small lane %+v, want 2 active", s)
	}
	cancel()
	if err := <-waited; !errors.Is(err, context.Canceled) {
		t.Errorf("a large wait whose client went: %v", err)
	}
	first()
	first() // once only
	if s := b.Large(); s.Active != 0 || s.Waiting != 0 {
		t.Errorf("large lane after release %+v", s)
	}
}
