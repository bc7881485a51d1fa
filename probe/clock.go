package probe

import (
	"sync"
	"time"
)

// Clock is the time the probes run on: the real one, or a FakeClock in tests.
type Clock interface {
	Now() time.Time
	NewTimer(at time.Time) Timer
}

// Timer is a resettable one-shot timer of a Clock that fires at a time of that clock (not
// after a duration: a fake clock moved between reading the time and arming the timer still
// fires it at the right moment).
type Timer interface {
	C() <-chan time.Time
	Reset(at time.Time)
	Stop()
}

// RealClock is the machine's time.
type RealClock struct{}

func (RealClock) Now() time.Time { return time.Now() }

func (RealClock) NewTimer(at time.Time) Timer { return realTimer{time.NewTimer(time.Until(at))} }

type realTimer struct{ t *time.Timer }

func (t realTimer) C() <-chan time.Time { return t.t.C }
func (t realTimer) Reset(at time.Time)  { t.t.Reset(time.Until(at)) } // Go >= 1.23: no stale value after Reset
func (t realTimer) Stop()               { t.t.Stop() }

// FakeClock is a Clock that moves only when told to (Advance).
type FakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

// NewFakeClock starts a fake clock at now.
func NewFakeClock(now time.Time) *FakeClock { return &FakeClock{now: now} }

func (f *FakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *FakeClock) NewTimer(at time.Time) Timer {
	t := &fakeTimer{clock: f, c: make(chan time.Time, 1)}
	f.mu.Lock()
	f.timers = append(f.timers, t)
	f.mu.Unlock()
	t.Reset(at)
	return t
}

// Advance moves the clock by d and fires the timers that are due.
func (f *FakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	for _, t := range f.timers {
		if t.armed && !t.at.After(f.now) {
			t.armed = false
			select {
			case t.c <- f.now:
			default:
			}
		}
	}
}

// Armed reports how many timers wait to fire.
func (f *FakeClock) Armed() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, t := range f.timers {
		if t.armed {
			n++
		}
	}
	return n
}

type fakeTimer struct {
	clock *FakeClock
	c     chan time.Time
	at    time.Time
	armed bool
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Reset(at time.Time) {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	select { // no stale value after Reset, as time.Timer since Go 1.23
	case <-t.c:
	default:
	}
	t.at, t.armed = at, true
	if !at.After(t.clock.now) {
		t.armed = false
		t.c <- t.clock.now
	}
}

func (t *fakeTimer) Stop() {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	t.armed = false
}
