package runtime

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/podd/podd/bpf/probelat"
	"github.com/podd/podd/nsinit"
	"github.com/podd/podd/podstatus"
	"github.com/podd/podd/probe"
	"golang.org/x/sys/unix"
)

// Probes (package probe) run on one scheduler and one dialer for every pod of this podd, the
// Runtime's probing. Each run of a container with probes gets a probe.Prober, started by its
// supervisor as the run begins and stopped as it ends; the probes' verdicts become the
// container's started and ready (podstatus), their failures kubelet's events, and a failed
// liveness or startup probe kills the container, which the supervisor then restarts by the
// restart policy.
type probing struct {
	sched  *probe.Scheduler
	dialer *probe.Dialer
	// netns opens the pod's network namespace, which tcp and http probes dial from; nil
	// (a test's) dials from podd's own.
	netns func(c *container) (*os.File, error)
	// kernel times the probes' connects (probelat.go); nil: podd's own timing, latWhy says why.
	kernel *probelat.Kernel
	latWhy string
}

// newProbing starts the scheduler on clock (probe.RealClock, or a test's fake).
func newProbing(clock probe.Clock) *probing {
	return &probing{sched: probe.NewScheduler(clock, probe.DefaultWorkers), dialer: probe.NewDialer(), netns: openPodNetNS}
}

// openPodNetNS opens the pinned network namespace of the container's pod.
func openPodNetNS(c *container) (*os.File, error) {
	return c.p.ns.OpenNet()
}

// stopProbing stops the scheduler once every pod stopped (Shutdown): a probe under way ends first.
func (rt *Runtime) stopProbing() {
	if rt.probing != nil {
		rt.probing.sched.Close()
		rt.probing.stopProbeLatency()
	}
}

// probeRun is the probes of one run of a container.
type probeRun struct {
	prober *probe.Prober
	proc   *nsinit.Process
	netns  *os.File      // the pod's network namespace, dialled from (nil: podd's own)
	ended  chan struct{} // closed when the run ended (stopProbes)
}

// initialVerdict is what the probes say of a run before any result: not started while a
// startup probe has not succeeded, not ready while a readiness probe has not.
func initialVerdict(c *container) (started, ready bool) {
	s := probe.NewContainer(c.spec, time.Time{})
	return s.Started(), s.Ready()
}

// startProbes starts the probes of the container's current run; the supervisor calls it as the
// run begins (a start, a restart or an adopted process).
func (c *container) startProbes() {
	pr := c.p.rt.probing
	if pr == nil || !probe.Has(c.spec) || c.p.ns == nil {
		return
	}
	netns, err := pr.openNetNS(c)
	if err != nil {
		logf("pod %s/%s: container %s: no probes: %v", c.p.obj.Namespace, c.p.obj.Name, c.name(), err)
		return
	}
	p := c.p
	p.mu.Lock()
	running := c.status().State.Running
	if p.obj.DeletionTimestamp != nil || c.proc == nil || running == nil {
		p.mu.Unlock()
		netns.Close()
		return
	}
	run := &probeRun{proc: c.proc, netns: netns, ended: make(chan struct{})}
	c.probes = run
	c.observe(func(o podstatus.Container) podstatus.Container { return o.Probed(initialVerdict(c)) }) // an adopted run starts over
	p.updatePhase()
	target := probe.Target{NetNS: netns, PodIP: p.obj.Status.PodIP, Exec: c.probeExec(run)}
	// Under p.mu: the hooks (which take it) never see run.prober unset.
	run.prober = probe.Start(pr.sched, pr.dialer, c.spec, running.StartedAt.Time, target, c.probeHooks(run))
	p.mu.Unlock()
	p.save()
}

// openNetNS is the pod's network namespace for the probes; nil for podd's own.
func (pr *probing) openNetNS(c *container) (*os.File, error) {
	if pr.netns == nil {
		return nil, nil
	}
	return pr.netns(c)
}

// stopProbes ends the probes of the run that ended; not with p.mu held (it waits for a probe
// under way, whose hooks take it).
func (c *container) stopProbes() {
	c.p.mu.Lock()
	run := c.probes
	c.probes = nil
	c.p.mu.Unlock()
	if run == nil {
		return
	}
	run.prober.Stop()
	last := run.prober.Last()
	c.p.mu.Lock()
	c.lastProbe = last
	c.p.mu.Unlock()
	close(run.ended)
	if run.netns != nil {
		run.netns.Close()
	}
}

func (c *container) probeHooks(run *probeRun) probe.Hooks {
	p := c.p
	return probe.Hooks{
		Changed: func(bool, bool) {
			p.mu.Lock()
			if c.probes != run || c.status().State.Running == nil {
				p.mu.Unlock()
				return
			}
			// Read now, not the hook's arguments: two probes' hooks may come in either order.
			started, ready := run.prober.Started(), run.prober.Ready()
			c.observe(func(o podstatus.Container) podstatus.Container { return o.Probed(started, ready) })
			p.updatePhase()
			p.mu.Unlock()
			p.save()
		},
		Event: func(e probe.Event) {
			p.mu.Lock()
			if c.probes == run {
				p.eventLocked(e.Type, e.Reason, e.Message)
			}
			p.mu.Unlock()
		},
		Result: func(k probe.Kind, r probe.Result) {
			if f := p.rt.probeResult.Load(); f != nil {
				(*f)(k.String(), r.Outcome.String(), r.Took)
			}
			if f := p.rt.probeConnect.Load(); f != nil && r.Connect > 0 {
				(*f)(k.String(), cmp.Or(r.KernelConnect, r.Connect))
			}
		},
		Restart: func(killing probe.Event, grace *int64) {
			p.mu.Lock()
			defer p.mu.Unlock()
			if c.probes != run || c.proc != run.proc || p.obj.DeletionTimestamp != nil {
				return
			}
			p.eventLocked(killing.Type, killing.Reason, killing.Message)
			// The probe's terminationGracePeriodSeconds, else the pod's (30 s when a record has none).
			go c.killForProbe(run, p.graceFor(grace))
		},
	}
}

// killForProbe kills the run a liveness or startup probe failed, as kubelet's killContainer:
// the preStop hook, then the stop signal when the process catches it, the whole cgroup killed
// at the end of grace. The supervisor sees the exit and applies the restart policy; the
// restart counts as any other.
func (c *container) killForProbe(run *probeRun, grace time.Duration) {
	procs := c.p.rt.procs
	deadline := c.preStopOf(run.proc.Pid, time.Now().Add(grace), nil)
	select {
	case <-run.ended:
		return // ended during the hook: its pid may name another process now
	default:
	}
	if sig := c.stopSignal(); time.Now().Before(deadline) && procs.catches(run.proc.Pid, sig) {
		_ = procs.signal(run.proc.Pid, sig)
		timer := time.NewTimer(time.Until(deadline))
		defer timer.Stop()
		select {
		case <-run.ended:
			return
		case <-timer.C:
		}
	}
	c.p.mu.Lock()
	current := c.probes == run
	c.p.mu.Unlock()
	if !current {
		return // ended meanwhile: the cgroup may hold the next run already
	}
	if err := c.p.rt.cg.Kill(c.cgroup()); err != nil {
		_ = procs.signal(run.proc.Pid, unix.SIGKILL)
	}
}

// probeExec runs an exec probe's command in the run's container through the exec path of
// `podctl exec`, its output (stdout and stderr together) capped; ctx ending kills it.
func (c *container) probeExec(run *probeRun) probe.ExecFunc {
	return func(ctx context.Context, cmd []string) ([]byte, int, error) {
		out := &cappedBuffer{max: 10 << 10}
		spec := nsinit.ExecSpec{Args: cmd, Env: c.execEnv(), Dir: firstNonEmpty(c.spec.WorkingDir, c.img.Config.WorkingDir),
			Stdout: out, Stderr: out}
		h, err := c.p.rt.startExec(c, run.proc.Pid, spec)
		if err != nil {
			return nil, 0, err
		}
		if leader, ok := h.(interface{ Pid() int }); ok {
			// On timeout Wait kills the command; what it started goes too.
			defer context.AfterFunc(ctx, func() { killSession(c.cgroup(), leader.Pid()) })()
		}
		code := h.Wait(ctx)
		return out.bytes(), code, nil
	}
}

// killSession SIGKILLs every process of cgroup in session sid (an exec'd command and what it
// started: nsinit runs it with setsid), a few rounds so that a fork racing the first is caught.
func killSession(cgroup string, sid int) {
	for range 3 {
		data, err := os.ReadFile(filepath.Join(cgroup, "cgroup.procs"))
		if err != nil {
			return
		}
		killed := 0
		for _, f := range strings.Fields(string(data)) {
			pid, _ := strconv.Atoi(f)
			if pid > 0 && nsinit.SessionOf(pid) == sid {
				_ = unix.Kill(pid, unix.SIGKILL)
				killed++
			}
		}
		if killed == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// cappedBuffer keeps the first max bytes written to it, from any goroutine.
type cappedBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - len(b.buf); room > 0 {
		b.buf = append(b.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (b *cappedBuffer) bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf...)
}

// OnProbeConnect has f called with each probe connection's connect time: the kernel's (SYN
// sent to ESTABLISHED) where BPF times it, else podd's (metrics).
func (rt *Runtime) OnProbeConnect(f func(kind string, connect time.Duration)) {
	rt.probeConnect.Store(&f)
}

// OnProbeResult has f called with each probe run's kind, outcome and time taken (metrics).
func (rt *Runtime) OnProbeResult(f func(kind, result string, took time.Duration)) {
	rt.probeResult.Store(&f)
}
