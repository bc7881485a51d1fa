package probe

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

type recordJob struct {
	name string
	ran  chan string
}

func (j recordJob) Run(context.Context) { j.ran <- j.name }

// collect reads n runs, sorted.
func collect(t *testing.T, ran chan string, n int) []string {
	t.Helper()
	var got []string
	for range n {
		select {
		case name := <-ran:
			got = append(got, name)
		case <-time.After(5 * time.Second):
			t.Fatalf("after %v, timed out waiting for %d runs", got, n)
		}
	}
	slices.Sort(got)
	return got
}

func TestSchedulerPeriods(t *testing.T) {
	start := time.Unix(1000, 0)
	clock := NewFakeClock(start)
	s := NewScheduler(clock, 2)
	defer s.Close()
	ran := make(chan string, 100)
	periods := map[string]int{"a": 1, "b": 2, "c": 5}
	for name, p := range periods {
		s.AddAt(recordJob{name, ran}, time.Duration(p)*time.Second, start)
	}
	if got := collect(t, ran, 3); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("at 0s: %v", got)
	}
	for sec := 1; sec <= 10; sec++ {
		clock.Advance(time.Second)
		var want []string
		for _, name := range []string{"a", "b", "c"} {
			if sec%periods[name] == 0 {
				want = append(want, name)
			}
		}
		if got := collect(t, ran, len(want)); !slices.Equal(got, want) {
			t.Fatalf("at %ds: ran %v, want %v", sec, got, want)
		}
	}
	time.Sleep(20 * time.Millisecond)
	if len(ran) != 0 {
		t.Fatalf("extra runs: %d", len(ran))
	}
}

func TestSchedulerStopAndTrigger(t *testing.T) {
	start := time.Unix(1000, 0)
	clock := NewFakeClock(start)
	s := NewScheduler(clock, 1)
	defer s.Close()
	ran := make(chan string, 10)
	a := s.AddAt(recordJob{"a", ran}, 10*time.Second, start.Add(time.Second))
	b := s.AddAt(recordJob{"b", ran}, 10*time.Second, start.Add(time.Second))
	b.Stop()
	a.Trigger()
	if got := collect(t, ran, 1); got[0] != "a" {
		t.Fatalf("triggered: %v", got)
	}
	clock.Advance(5 * time.Second)
	time.Sleep(20 * time.Millisecond)
	if len(ran) != 0 || s.Len() != 1 {
		t.Fatalf("a stopped entry ran, or a triggered one ran twice: %d runs, %d entries", len(ran), s.Len())
	}
	clock.Advance(5 * time.Second) // a's next run: a period after the trigger
	collect(t, ran, 1)
}

type blockJob struct {
	running, peak *atomic.Int32
	release       chan struct{}
	ran           chan string
}

func (j blockJob) Run(ctx context.Context) {
	Blocking(ctx)
	n := j.running.Add(1)
	for {
		p := j.peak.Load()
		if n <= p || j.peak.CompareAndSwap(p, n) {
			break
		}
	}
	<-j.release
	j.running.Add(-1)
	j.ran <- ""
}

func TestSchedulerPoolBound(t *testing.T) {
	start := time.Unix(1000, 0)
	clock := NewFakeClock(start)
	s := NewScheduler(clock, 2)
	defer s.Close()
	var running, peak atomic.Int32
	release := make(chan struct{})
	ran := make(chan string, 10)
	for range 5 {
		s.AddAt(blockJob{&running, &peak, release, ran}, time.Hour, start)
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	collect(t, ran, 5)
	if peak.Load() != 2 {
		t.Fatalf("at most %d probes ran at once, want the pool's 2", peak.Load())
	}
}

func TestSchedulerFirstRunJitter(t *testing.T) {
	start := time.Unix(1000, 0)
	clock := NewFakeClock(start)
	s := NewScheduler(clock, 1)
	defer s.Close()
	var firsts []time.Time
	for range 50 {
		firsts = append(firsts, s.Add(noop{}, 10*time.Second).next)
	}
	spread := slices.MaxFunc(firsts, time.Time.Compare).Sub(slices.MinFunc(firsts, time.Time.Compare))
	for _, f := range firsts {
		if f.Before(start) || !f.Before(start.Add(10*time.Second)) {
			t.Fatalf("first run at %v, outside the first period", f.Sub(start))
		}
	}
	if spread < time.Second {
		t.Fatalf("50 first runs within %v: no jitter", spread)
	}
	clock.Advance(11 * time.Second)
	// Due at once, it runs without the fake clock moving (its next time is the scheduler's to
	// change as it runs, so it is not read here).
	ran := make(chan struct{}, 1)
	s.Add(signalJob(ran), 10*time.Second)
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("a probe added after the first period did not run at once")
	}
}

// signalJob says on its channel that it ran.
type signalJob chan struct{}

func (j signalJob) Run(context.Context) {
	select {
	case j <- struct{}{}:
	default:
	}
}

type noop struct{}

func (noop) Run(context.Context) {}

// workerJob records which worker ran it.
type workerJob struct{ ran chan any }

func (j workerJob) Run(ctx context.Context) { j.ran <- ctx.Value(workerKey{}) }

// TestSchedulerDrainsOnOneWorker: probes due together that do not wait run one after another on
// one worker: no hand-off (a goroutine and thread wake-up) per probe.
func TestSchedulerDrainsOnOneWorker(t *testing.T) {
	start := time.Unix(1000, 0)
	clock := NewFakeClock(start)
	s := NewScheduler(clock, 8)
	defer s.Close()
	ran := make(chan any, 10)
	// Due a second on, the clock moved once all are in: due at once, they would be added one
	// by one under the scheduler's eyes, and the first could end before the second is queued.
	for range 10 {
		s.AddAt(workerJob{ran}, time.Hour, start.Add(time.Second))
	}
	clock.Advance(time.Second)
	first := <-ran
	for i := 1; i < 10; i++ {
		select {
		case w := <-ran:
			if w == nil || w != first {
				t.Fatalf("run %d on worker %p, the first on %p: want one worker for them all", i, w, first)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d of 10 ran", i)
		}
	}
}

// waitJob waits for release, saying so first (Blocking) when it is polite.
type waitJob struct {
	polite  bool
	started chan struct{}
	release chan struct{}
}

func (j waitJob) Run(ctx context.Context) {
	if j.polite {
		Blocking(ctx)
	}
	close(j.started)
	<-j.release
}

// TestSchedulerBlockingHandsOver: a probe about to wait hands the queue to another worker at
// once; one that waits without saying so holds it for a tick at most.
func TestSchedulerBlockingHandsOver(t *testing.T) {
	for _, polite := range []bool{true, false} {
		start := time.Unix(1000, 0)
		clock := NewFakeClock(start)
		s := NewScheduler(clock, 4)
		a := waitJob{polite, make(chan struct{}), make(chan struct{})}
		s.AddAt(a, time.Hour, start)
		<-a.started
		ran := make(chan string, 1)
		s.AddAt(recordJob{"b", ran}, time.Hour, clock.Now())
		if !polite {
			select {
			case <-ran:
				t.Fatal("b ran at once: the loop took a busy drainer for a stuck one")
			case <-time.After(50 * time.Millisecond):
			}
			clock.Advance(Granularity) // a tick without progress: another worker takes over
		}
		if got := collect(t, ran, 1); got[0] != "b" {
			t.Fatalf("polite=%v: %v", polite, got)
		}
		close(a.release)
		s.Close()
	}
}
