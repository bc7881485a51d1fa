package probe

import (
	"container/heap"
	"math/rand/v2"
	"sync"
	"time"
)

// DefaultWorkers is how many probes run at the same time at most. A probe waiting on the
// network parks its goroutine in the poller, so a few dozen cover thousands of probes a second;
// a pool keeps a burst of slow probes from turning into as many goroutines.
const DefaultWorkers = 64

// workerIdle is how long a worker waits for a probe before it exits: the pool grows with the
// probes due at once and shrinks back to nothing when none run (a podd without probes holds no
// worker). Longer than the kubelet's default period (10 s), so steady probing keeps its workers.
const workerIdle = 30 * time.Second

// Granularity is the scheduler's tick: it wakes at multiples of it only, running together
// every probe that became due since, up to that much late. At 1000 probes a second that is 100
// wake-ups instead of 1000, for a delay the kubelet's own ticker does not promise to beat.
const Granularity = 10 * time.Millisecond

// Job is one probe: Run runs it once. A job never runs twice at the same time.
type Job interface{ Run() }

// Scheduler runs every probe of every pod: one goroutine sleeps until the earliest probe is
// due (a timer heap) and hands the due ones to a bounded pool of workers, started as needed;
// a probe runs again a period after it was due (after it finished, when it took longer), like
// the kubelet's ticker. Not a goroutine sleeping per probe.
type Scheduler struct {
	clock   Clock
	start   time.Time
	max     int // workers at most
	mu      sync.Mutex
	running int // workers, guarded by mu
	heap    entries
	wake    chan struct{}
	work    chan *Entry
	done    chan struct{}
	stopped sync.WaitGroup
}

// Entry is a job in the scheduler.
type Entry struct {
	s       *Scheduler
	job     Job
	period  time.Duration
	next    time.Time
	index   int // in the heap; -1 when not there (running or removed)
	removed bool
	trigger bool // run again as soon as the current run ends
}

// NewScheduler starts a scheduler on clock with up to workers goroutines running probes.
func NewScheduler(clock Clock, workers int) *Scheduler {
	s := &Scheduler{clock: clock, start: clock.Now(), max: max(1, workers), wake: make(chan struct{}, 1),
		work: make(chan *Entry), done: make(chan struct{})}
	s.stopped.Add(1)
	go s.loop()
	return s
}

// Workers is how many worker goroutines there are now.
func (s *Scheduler) Workers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running
}

// Add schedules job every period. Its first run is now, except in the first period of the
// scheduler's life (podd just started and adopted running containers) where it is at a random
// point of the period, so that the probes of every pod do not run all at once: the kubelet's
// first-run jitter.
func (s *Scheduler) Add(job Job, period time.Duration) *Entry {
	now := s.clock.Now()
	first := now
	if now.Sub(s.start) < period {
		first = now.Add(time.Duration(rand.Int64N(int64(period))))
	}
	return s.AddAt(job, period, first)
}

// AddAt schedules job every period from first.
func (s *Scheduler) AddAt(job Job, period time.Duration, first time.Time) *Entry {
	e := &Entry{s: s, job: job, period: period, next: first}
	s.mu.Lock()
	s.push(e)
	s.mu.Unlock()
	return e
}

// Stop removes the entry: it runs no more (a run under way finishes).
func (e *Entry) Stop() {
	s := e.s
	s.mu.Lock()
	defer s.mu.Unlock()
	e.removed = true
	if e.index >= 0 {
		heap.Remove(&s.heap, e.index)
	}
}

// Trigger runs the entry as soon as possible (the kubelet's manual trigger).
func (e *Entry) Trigger() {
	s := e.s
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case e.removed:
	case e.index < 0:
		e.trigger = true
	default:
		e.next = s.clock.Now()
		heap.Fix(&s.heap, e.index)
		s.poke()
	}
}

// Close stops the scheduler once the runs under way finished.
func (s *Scheduler) Close() {
	close(s.done)
	s.stopped.Wait()
}

// Len is how many entries are scheduled (running ones excluded).
func (s *Scheduler) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.heap.Len()
}

// push adds e to the heap and wakes the loop when e is the new earliest; s.mu is held.
func (s *Scheduler) push(e *Entry) {
	heap.Push(&s.heap, e)
	if e.index == 0 {
		s.poke()
	}
}

func (s *Scheduler) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Scheduler) loop() {
	defer s.stopped.Done()
	timer := s.clock.NewTimer(s.clock.Now().Add(time.Hour))
	defer timer.Stop()
	var due []*Entry
	var next time.Time
	for {
		due, next = s.due(due[:0])
		for _, e := range due {
			if !s.dispatch(e) {
				return
			}
		}
		if len(due) > 0 {
			continue // time went on while handing them out
		}
		timer.Reset(onGrid(next))
		select {
		case <-timer.C():
		case <-s.wake:
		case <-s.done:
			return
		}
	}
}

// onGrid is t rounded up to the scheduler's granularity.
func onGrid(t time.Time) time.Time {
	if g := t.Truncate(Granularity); !g.Equal(t) {
		return g.Add(Granularity)
	}
	return t
}

// due pops the entries due now and returns when the next one is.
func (s *Scheduler) due(out []*Entry) ([]*Entry, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	for s.heap.Len() > 0 && !s.heap[0].next.After(now) {
		out = append(out, heap.Pop(&s.heap).(*Entry))
	}
	if s.heap.Len() == 0 {
		return out, now.Add(time.Hour)
	}
	return out, s.heap[0].next
}

// dispatch hands e to an idle worker, or to a new one while there are fewer than max; else it
// waits for a worker to be free (the pool bounds the load). False: the scheduler is closing.
func (s *Scheduler) dispatch(e *Entry) bool {
	select {
	case s.work <- e:
		return true
	default:
	}
	s.mu.Lock()
	spawn := s.running < s.max
	if spawn {
		s.running++
		s.stopped.Add(1)
	}
	s.mu.Unlock()
	if spawn {
		go s.worker(e)
		return true
	}
	select {
	case s.work <- e:
		return true
	case <-s.done:
		return false
	}
}

// worker runs first (if any), then what it is handed, until it waited workerIdle for nothing.
func (s *Scheduler) worker(first *Entry) {
	current := first
	normal := false
	defer func() {
		if normal {
			s.mu.Lock()
			s.running--
			s.mu.Unlock()
			s.stopped.Done()
			return
		}
		// The job ended this goroutine (runtime.Goexit: a thread that could not leave a pod's
		// namespace goes with it): a new worker takes its place and the entry goes on.
		s.finished(current)
		go s.worker(nil)
	}()
	if current != nil {
		current.job.Run()
		s.finished(current)
	}
	idle := time.NewTimer(workerIdle)
	defer idle.Stop()
	for {
		select {
		case current = <-s.work:
			current.job.Run()
			s.finished(current)
			idle.Reset(workerIdle)
		case <-idle.C:
			normal = true
			return
		case <-s.done:
			normal = true
			return
		}
	}
}

// finished schedules the entry's next run: a period after this one was due, or now if that
// has passed (a probe slower than its period) or it was triggered meanwhile.
func (s *Scheduler) finished(e *Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.removed {
		return
	}
	now := s.clock.Now()
	e.next = e.next.Add(e.period)
	if e.trigger || e.next.Before(now) {
		e.next, e.trigger = now, false
	}
	s.push(e)
}

// entries is a min-heap by next run time.
type entries []*Entry

func (h entries) Len() int           { return len(h) }
func (h entries) Less(i, j int) bool { return h[i].next.Before(h[j].next) }
func (h entries) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *entries) Push(x any) {
	e := x.(*Entry)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *entries) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	e.index = -1
	*h = old[:len(old)-1]
	return e
}
