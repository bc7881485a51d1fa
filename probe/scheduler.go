package probe

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// DefaultWorkers is how many probes run at the same time at most. A probe waiting on the
// network parks its goroutine in the poller, so a few dozen cover thousands of probes a second;
// a pool keeps a burst of slow probes from turning into as many goroutines.
const DefaultWorkers = 64

// Granularity is the scheduler's tick: it wakes at multiples of it only, running together
// every probe that became due since, up to that much late: 5% of the shortest period the API
// allows (1 s), less than the kubelet's own slack (its first probe after initialDelaySeconds
// waits for the worker's next tick, up to a period). A wake-up has a fixed cost beyond its
// probes' (the runtime's threads waking and spinning, cold caches: ~375 µs of CPU on the 2-vCPU
// build machine): at 1000 probes a second, a 10 ms tick cost 80-100 µs a TCP probe, 50 ms
// 42-58 µs (BenchmarkTCPProbes1000PerSecond, loaded machine).
const Granularity = 50 * time.Millisecond

// Job is one probe: Run runs it once. A job never runs twice at the same time. ctx says which
// worker runs it: a job about to wait (for the network, a process) calls Blocking(ctx) first.
type Job interface{ Run(ctx context.Context) }

// Scheduler runs every probe of every pod: one goroutine sleeps until the earliest probe is
// due (a timer heap) and queues the due ones for a bounded pool of workers; a probe runs again
// a period after it was due (after it finished, when it took longer), like the kubelet's
// ticker. Not a goroutine sleeping per probe.
//
// One worker at a time (the drainer) runs the queued probes one after another: a probe that
// does not wait (a TCP connect to a pod, which completes in the connect call) costs no
// goroutine hand-off nor thread wake-up. A probe about to wait says so (Blocking) and another
// worker takes over the queue; should a probe wait without saying so, the loop sees at its
// next tick that the queue did not move and wakes another worker. TCP and HTTP probes do not
// wait on their worker: they go on in the scheduler's epoll set (netloop.go), where one worker
// takes the answers of a tick's probes together once the queue is empty.
type Scheduler struct {
	clock    Clock
	start    time.Time
	mu       sync.Mutex
	heap     entries
	queue    []*Entry   // due, not yet taken by a worker
	drainers int        // workers taking from the queue
	grants   int        // workers asked to become drainers, not yet woken
	taken    uint64     // entries taken from the queue so far (progress, for the loop)
	idle     *sync.Cond // on mu: workers without work wait there
	closed   bool
	prep     Preparer // nil: jobs run unprepared
	prepared int      // how many entries at the queue's head were prepared
	// preparing is closed when the pass preparing the queue's head is over (nil: none under
	// way): a worker taking an entry it prepared waits for it rather than make the entry's
	// socket itself meanwhile.
	preparing chan struct{}
	net       netLoop // the TCP and HTTP probes waiting on the network (netloop.go)
	pending   int     // entries whose run is in net
	waiting   bool    // a worker waits on net
	wake      chan struct{}
	done      chan struct{}
	stopped   sync.WaitGroup
}

// Preparer gets the jobs due in a tick ready for their runs in one pass, on the worker about
// to run the first of them (the probes' sockets: one entry into each pod's network namespace
// for all of a tick's probes there, instead of two setns(2) per probe).
type Preparer interface{ Prepare(jobs []Job) }

// usePreparer has the scheduler's jobs prepared by p from now on (the first one set stays).
func (s *Scheduler) usePreparer(p Preparer) {
	s.mu.Lock()
	if s.prep == nil {
		s.prep = p
	}
	s.mu.Unlock()
}

// Entry is a job in the scheduler.
type Entry struct {
	s       *Scheduler
	job     Job
	period  time.Duration
	next    time.Time
	index   int // in the heap; -1 when not there (queued, running or removed)
	removed bool
	trigger bool // run again as soon as the current run ends
}

// NewScheduler starts a scheduler on clock with workers goroutines running probes.
func NewScheduler(clock Clock, workers int) *Scheduler {
	s := &Scheduler{clock: clock, start: clock.Now(), wake: make(chan struct{}, 1), done: make(chan struct{})}
	s.idle = sync.NewCond(&s.mu)
	s.stopped.Add(1 + workers)
	go s.loop()
	for range workers {
		go s.worker()
	}
	return s
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
		s.heap.remove(e.index)
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
		s.heap.fix(e.index)
		s.poke()
	}
}

// Close stops the scheduler once the runs under way finished.
func (s *Scheduler) Close() {
	close(s.done)
	s.mu.Lock()
	s.closed = true
	s.idle.Broadcast()
	s.mu.Unlock()
	s.stopped.Wait()
	s.net.close()
}

// Len is how many entries are scheduled (running ones excluded).
func (s *Scheduler) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.heap)
}

// push adds e to the heap and wakes the loop when e is the new earliest; s.mu is held.
func (s *Scheduler) push(e *Entry) {
	s.heap.push(e)
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
	var last progress
	for {
		next := s.queueDue(&last)
		timer.Reset(onGrid(next))
		select {
		case <-timer.C():
		case <-s.wake:
		case <-s.done:
			return
		}
	}
}

// queueDue moves the entries due now to the queue, makes sure a worker drains it, and returns
// when the loop must wake next: the next entry's time, or the next tick while the queue is not
// empty (to see that it moves).
func (s *Scheduler) queueDue(last *progress) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	// Stuck: the queue has not moved for a tick.
	stuck := len(s.queue) > 0 && s.taken == last.taken && now.Sub(last.at) >= Granularity
	for len(s.heap) > 0 && !s.heap[0].next.After(now) {
		s.queue = append(s.queue, s.heap.pop())
	}
	if s.taken != last.taken || stuck || last.at.IsZero() {
		*last = progress{taken: s.taken, at: now}
	}
	if stuck || (len(s.queue) > 0 && s.drainers+s.grants == 0) {
		s.grants++ // one more drainer (the first, or one more past a job that waits unsaid)
		s.idle.Signal()
	}
	next := now.Add(time.Hour)
	if len(s.heap) > 0 {
		next = s.heap[0].next
	}
	if len(s.queue) > 0 && now.Add(Granularity).Before(next) {
		next = now.Add(Granularity)
	}
	return next
}

// progress is how far the queue went, as the loop last saw it.
type progress struct {
	taken uint64
	at    time.Time
}

// onGrid is t rounded up to the scheduler's granularity.
func onGrid(t time.Time) time.Time {
	if g := t.Truncate(Granularity); !g.Equal(t) {
		return g.Add(Granularity)
	}
	return t
}

// worker runs queued entries while it is a drainer, and waits for a grant otherwise.
func (s *Scheduler) worker() {
	w := &poolWorker{s: s}
	w.ctx = context.WithValue(context.Background(), workerKey{}, w)
	var current *Entry
	normal := false
	defer func() {
		if normal {
			s.stopped.Done()
			return
		}
		// The job ended this goroutine (runtime.Goexit: a thread that could not leave a pod's
		// namespace goes with it): a new worker takes its place and the entry goes on.
		s.mu.Lock()
		w.resign()
		s.finished(current)
		s.mu.Unlock()
		go s.worker()
	}()
	s.mu.Lock()
	for {
		current = w.take()
		if current == nil {
			s.mu.Unlock()
			normal = true
			return
		}
		w.prepare(current)
		ran, pending := false, false
		if j, ok := current.job.(*probeJob); ok {
			ran, pending = j.startOp(&s.net, current)
		}
		if !ran {
			current.job.Run(w.ctx)
		}
		s.mu.Lock()
		if pending {
			s.pending++
		} else {
			s.finished(current)
		}
	}
}

// prepare prepares current and the entries queued behind it when current was not prepared
// yet, or waits for the pass preparing current to be over. s.mu is held, and released.
func (w *poolWorker) prepare(current *Entry) {
	s := w.s
	batch := w.batch(current)
	if len(batch) == 0 {
		wait := s.preparing
		s.mu.Unlock()
		if wait != nil && !w.fresh {
			<-wait
		}
		return
	}
	done := make(chan struct{})
	s.preparing = done
	s.mu.Unlock()
	s.prep.Prepare(batch)
	clear(batch) // the jobs are not kept from the collector
	s.mu.Lock()
	if s.preparing == done {
		s.preparing = nil
	}
	s.mu.Unlock()
	close(done)
}

// batch is what w prepares before running current: when current was not prepared yet (the
// first of a tick's entries), current and every entry queued behind it. s.mu is held.
func (w *poolWorker) batch(current *Entry) []Job {
	s := w.s
	if !w.fresh || s.prep == nil {
		return nil
	}
	jobs := append(w.jobs[:0], current.job)
	for _, e := range s.queue {
		jobs = append(jobs, e.job)
	}
	s.prepared = len(s.queue)
	w.jobs = jobs
	return jobs
}

// poolWorker is one goroutine of the pool.
type poolWorker struct {
	s        *Scheduler
	ctx      context.Context // carries the worker to its jobs (Blocking)
	draining bool
	fresh    bool     // the entry taken last was not prepared
	jobs     []Job    // the batch being prepared (its array kept)
	done     []*netOp // runs await saw end (its array kept)
	over     []*Entry // their entries (its array kept)
}

type workerKey struct{}

// take returns the next entry to run, waiting for one (and for the drainer's role) as long as
// needed; nil once the scheduler is closed. s.mu is held.
func (w *poolWorker) take() *Entry {
	s := w.s
	for {
		if len(s.queue) == 0 && s.pending > 0 && !s.waiting {
			s.waiting = true // before resign, which would wake a worker to wait otherwise
			w.resign()
			w.await()
			continue
		}
		if s.closed {
			w.resign()
			return nil
		}
		if !w.draining && s.grants > 0 {
			s.grants--
			w.draining = true
			s.drainers++
		}
		if !w.draining && s.drainers == 0 && len(s.queue) > 0 { // a job of ours just ended
			w.draining = true
			s.drainers++
		}
		if w.draining && len(s.queue) > 0 {
			e := s.queue[0]
			n := copy(s.queue, s.queue[1:]) // a few entries: the array is kept
			s.queue[n] = nil
			s.queue = s.queue[:n]
			s.taken++
			w.fresh = s.prepared == 0
			if !w.fresh {
				s.prepared--
			}
			if e.removed {
				continue
			}
			return e
		}
		w.resign() // nothing queued: not a drainer any more
		s.idle.Wait()
	}
}

// resign gives up the drainer's role; s.mu is held.
func (w *poolWorker) resign() {
	s := w.s
	if !w.draining {
		return
	}
	w.draining = false
	s.drainers--
	if len(s.queue) > 0 && s.drainers+s.grants == 0 {
		s.grants++
		s.idle.Signal()
	} else if len(s.queue) == 0 && s.pending > 0 && !s.waiting {
		s.idle.Signal() // someone has to wait for the network
	}
}

// withWorker returns parent carrying the worker that ctx (a job's) carries, for Blocking.
func withWorker(parent, ctx context.Context) context.Context {
	if w := ctx.Value(workerKey{}); w != nil {
		return context.WithValue(parent, workerKey{}, w)
	}
	return parent
}

// Blocking tells the scheduler that the job running with ctx is about to wait: the probes
// queued behind it go to another worker. Cheap, and a no-op outside a scheduler's job.
func Blocking(ctx context.Context) {
	w, _ := ctx.Value(workerKey{}).(*poolWorker)
	if w == nil || !w.draining { // draining is only changed by w's own goroutine
		return
	}
	w.s.mu.Lock()
	w.resign()
	w.s.mu.Unlock()
}

// finished schedules the entry's next run: a period after this one was due, or now if that
// has passed (a probe slower than its period) or it was triggered meanwhile. s.mu is held.
func (s *Scheduler) finished(e *Entry) {
	if e == nil || e.removed {
		return
	}
	now := s.clock.Now()
	e.next = e.next.Add(e.period)
	if e.trigger || e.next.Before(now) {
		e.next, e.trigger = now, false
	}
	s.push(e)
}
