package probe

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Hooks is what a container run's probes tell the runtime. They are called from the
// scheduler's workers, never with the Prober's lock held.
type Hooks struct {
	// Changed: the container's started or ready changed.
	Changed func(started, ready bool)
	// Event: a probe result the kubelet reports (Unhealthy, ProbeWarning).
	Event func(Event)
	// Restart: a liveness or startup probe failed; kill the container with grace (the probe's
	// terminationGracePeriodSeconds, nil for the pod's) and restart it as the restart policy
	// says, recording killing as it is killed.
	Restart func(killing Event, grace *int64)
	// Result: each probe run's raw outcome and time taken (metrics); nil: not wanted.
	Result func(k Kind, r Result)
}

// Prober runs the probes of one run of a container on a Scheduler.
type Prober struct {
	mu      sync.Mutex
	state   *Container
	target  Target
	hooks   Hooks
	clock   Clock
	ctx     context.Context
	cancel  context.CancelFunc
	sockets *Sockets // the Dialer's: its spares in the target's namespace go with the probes
	entries [numKinds]*Entry
	last    [numKinds]Last
	running sync.WaitGroup // runs under way (Stop waits for them)
}

// Start schedules the probes of a run of spec (defaulted) that started at startedAt. It
// returns nil when the container has no probe.
func Start(s *Scheduler, d *Dialer, spec *corev1.Container, startedAt time.Time, t Target, h Hooks) *Prober {
	if !Has(spec) {
		return nil
	}
	t.Container = spec
	ctx, cancel := context.WithCancel(context.Background())
	p := &Prober{state: NewContainer(spec, startedAt), target: t, hooks: h, clock: s.clock, ctx: ctx, cancel: cancel, sockets: d.sockets}
	s.usePreparer(d)
	p.mu.Lock() // a job may run before the loop ends; it reads entries under the lock
	defer p.mu.Unlock()
	for k := Kind(0); k < numKinds; k++ {
		if pr := Of(spec, k); pr != nil {
			job := &probeJob{p: p, kind: k, spec: pr, check: d.Checker(pr, &p.target)}
			job.family = job.dialFamily()
			p.entries[k] = s.Add(job, time.Duration(pr.PeriodSeconds)*time.Second)
		}
	}
	return p
}

// Started and Ready are the container's started and ready as the probes say now.
func (p *Prober) Started() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state.Started()
}

func (p *Prober) Ready() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state.Ready()
}

// Last is a probe's last run: its result and when it ended.
type Last struct {
	Kind   Kind
	Result Result
	At     time.Time
}

// Last returns the last run of each probe that ran, in kind order (liveness, readiness,
// startup).
func (p *Prober) Last() []Last {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Last
	for _, l := range p.last {
		if !l.At.IsZero() {
			out = append(out, l)
		}
	}
	return out
}

// Stop ends the probes of the run: none is started any more, one under way is cancelled and
// waited for (its hooks included: do not call Stop from a hook, nor holding a lock a hook
// takes). After Stop, nothing uses the Target any more.
func (p *Prober) Stop() {
	if p == nil {
		return
	}
	p.mu.Lock()
	entries := p.entries
	p.mu.Unlock()
	for _, e := range entries {
		if e != nil {
			e.Stop()
		}
	}
	p.mu.Lock()
	p.cancel()
	p.mu.Unlock()
	for _, e := range entries {
		if e != nil {
			e.s.net.kick() // its runs on the network end now
			break
		}
	}
	p.running.Wait()
	if p.target.NetNS != nil {
		p.sockets.spares.drop(p.target.NetNS)
	}
}

type probeJob struct {
	p     *Prober
	kind  Kind
	spec  *corev1.Probe
	check Checker
	// family is the address family of its dials in the pod's namespace (spares.go), -1 when
	// none.
	family int
}

func (j *probeJob) Run(wctx context.Context) {
	if !j.begin() {
		return
	}
	j.end(j.check.Check(withWorker(j.p.ctx, wctx), &j.p.target))
}

// begin starts a run if the probe is due (and not stopped): Stop waits for its end.
func (j *probeJob) begin() bool {
	p := j.p
	p.mu.Lock()
	defer p.mu.Unlock()
	due := p.ctx.Err() == nil && p.state.Due(j.kind, p.clock.Now())
	if due {
		p.running.Add(1) // under the lock: Stop cancels under it too, then waits
	}
	return due
}

// end records the result of a run that began, tells the runtime, and ends the run.
func (j *probeJob) end(r Result) {
	p := j.p
	defer p.running.Done()
	p.mu.Lock()
	if p.ctx.Err() != nil { // stopped meanwhile: the run is over
		p.mu.Unlock()
		return
	}
	p.last[j.kind] = Last{Kind: j.kind, Result: r, At: p.clock.Now()}
	wasStarted := p.state.Started()
	d := p.state.Record(j.kind, r)
	started, ready := p.state.Started(), p.state.Ready()
	var readiness *Entry
	if !wasStarted && started {
		readiness = p.entries[Readiness]
	}
	p.mu.Unlock()
	if p.hooks.Result != nil {
		p.hooks.Result(j.kind, r)
	}
	j.report(d, started, ready, readiness)
}

// startOp starts a run of the probe on l if it can run there (a TCP or HTTP probe of an IP
// address): ran, and pending until l ends it (else over already). Not ran: Run it.
func (j *probeJob) startOp(l *netLoop, e *Entry) (ran, pending bool) {
	a, ok := j.check.(asyncCheck)
	if !ok {
		return false, false
	}
	op := a.newOp(&j.p.target)
	if op == nil || !l.open() {
		return false, false
	}
	op.job, op.entry = j, e
	if !j.begin() {
		op.drop()
		return false, false // Run finds it is not due either
	}
	dialled := false
	defer func() {
		if !dialled { // the thread could not leave the pod's namespace (Goexit): the run ends
			j.p.running.Done()
		}
	}()
	pending = op.dial(l)
	dialled = true
	if !pending {
		op.end()
	}
	return true, pending
}

// report tells the runtime; readiness is the entry to run at once (the container just
// started: the kubelet probes its readiness then), or nil.
func (j *probeJob) report(d Decision, started, ready bool, readiness *Entry) {
	p := j.p
	if d.Event != nil && p.hooks.Event != nil {
		p.hooks.Event(*d.Event)
	}
	if d.Changed && p.hooks.Changed != nil {
		p.hooks.Changed(started, ready)
	}
	if readiness != nil {
		readiness.Trigger()
	}
	if d.Restart && p.hooks.Restart != nil {
		p.hooks.Restart(d.Killing, j.spec.TerminationGracePeriodSeconds)
	}
}
