package main

import (
	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/ctl"

	"context"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"runtime/debug"
	"sync"
	"time"

	"github.com/podd/podd/api"
	"github.com/podd/podd/internal/reaper"
	"github.com/podd/podd/metrics"
	"github.com/podd/podd/runtime"
	"golang.org/x/sys/unix"
)

// daemon is the runtime as the API sees it: Shutdown asks main to stop everything and exit.
type daemon struct {
	*runtime.Runtime
	quit    chan struct{}
	once    sync.Once
	maxCopy int64 // --max-copy-size
}

func (d *daemon) Shutdown() { d.once.Do(func() { close(d.quit) }) }

// The runtime serves the API (the runtime itself does not import it).
var (
	_ api.Backend       = (*runtime.Runtime)(nil)
	_ api.Backend       = (*daemon)(nil)
	_ api.PodVisitor    = (*daemon)(nil)
	_ api.ImageBackend  = (*daemon)(nil)
	_ api.ConfigBackend = (*daemon)(nil)
	_ api.InfoBackend   = (*daemon)(nil)
	_ api.UsageBackend  = (*daemon)(nil)
	_ api.FilesBackend  = (*daemon)(nil)
	_ api.CopyLimiter   = (*daemon)(nil)
	_ api.AttachBackend = (*daemon)(nil)
)

// Port-forward is an API verb of the runtime's too.
var _ api.PortForwarder = (*daemon)(nil)

func serve(c *config, isInit bool) error {
	log.SetPrefix("podd: ")
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	opts, err := options(c)
	if err != nil {
		return err
	}
	r := reaper.New()
	if !isInit {
		// Orphans of exec'd processes come back to podd, not to the host's init.
		_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	}
	rt, err := runtime.New(opts, r)
	if err != nil {
		return err
	}
	rt.Recover()
	// Loading the eBPF programs decodes the kernel's BTF (~14 MB of short-lived allocations):
	// give that memory back now rather than when the scavenger gets to it.
	debug.FreeOSMemory()
	gcTarget()
	if err := serveMetrics(rt, c.String("metrics-address")); err != nil {
		return err
	}
	if err := serveDebug(c.String("debug-address")); err != nil {
		return err
	}
	d := &daemon{Runtime: rt, quit: make(chan struct{})}
	if d.maxCopy, err = parseCopySize(c.String("max-copy-size")); err != nil {
		return fmt.Errorf("--max-copy-size: %w", err)
	}
	l, err := api.Listen(socketPath(c))
	if err != nil {
		return err
	}
	srv := api.Serve(l, d, api.Route{Pattern: "POST " + wire.CommandPath, Handler: ctl.NewHandler(api.NewPodReader(d))})
	log.Printf("serving on %s (root %s, cgroup %s)", socketPath(c), opts.Root, opts.CgroupRoot)
	stopStatic := startStaticPods(rt, c.String("manifests"))
	end := waitForEnd(d, r, c.String("run"), isInit || c.Bool("stop-pods-on-exit"))
	stopStatic()
	if end.detach {
		rt.Detach(10 * time.Second)
		_ = srv.Close()
		log.Printf("exiting; pods keep running (a new podd adopts them; `podctl shutdown` stops them)")
		return nil
	}
	rt.Shutdown()
	_ = srv.Close()
	if c.String("run") != "" {
		fmt.Printf("\nPODD_RUN_EXIT=%d\n", end.status)
	}
	if end.status != 0 && !isInit {
		return exitStatus(end.status)
	}
	return nil
}

// gcTarget lowers the collector's headroom unless GOGC is set: with GOGC=100 the heap grows to
// twice what is live (at least 4 MB) before a collection, and that headroom was most of podd's
// heap (2.6 MB live with 100 pods). At 50, podd's RSS is ~1.3 MB lower with 100 pods, for GC
// work that stays a small share of podd's CPU (README, Memory).
func gcTarget() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
}

// end is how podd's service ends: stop every pod (with the --run script's status), or leave
// them running (detach).
type end struct {
	status int
	detach bool
}

// waitForEnd blocks until SIGTERM/SIGINT, an API shutdown, or the --run script's exit (whose
// status it returns). SIGTERM/SIGINT stop the pods only when stopPods is set (PID 1, or
// --stop-pods-on-exit); otherwise podd leaves and the pods keep running, as when kubelet or
// containerd stops. SIGHUP is a live upgrade: podd execs itself in place and, if that fails,
// says why and goes on serving.
func waitForEnd(d *daemon, r *reaper.Reaper, script string, stopPods bool) end {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGTERM, unix.SIGINT, unix.SIGHUP)
	done := make(chan int, 1)
	if script != "" {
		go func() { done <- runScript(r, script) }()
	}
	for {
		select {
		case s := <-sigs:
			switch {
			case s == unix.SIGHUP:
				log.Printf("hangup: re-executing %s, pods keep running", executable)
				err := reexec() // returns only on failure
				log.Printf("live upgrade failed, podd goes on serving: %v", err)
				continue
			case stopPods:
				log.Printf("%v: stopping all pods", s)
				return end{}
			}
			log.Printf("%v: podd stops, pods keep running", s)
			return end{detach: true}
		case <-d.quit:
			log.Printf("shutdown requested: stopping all pods")
			return end{}
		case status := <-done:
			return end{status: status}
		}
	}
}

// executable is podd's path as started, so a live upgrade runs the binary now at that path.
var executable, _ = os.Executable()

// reexec replaces podd in place (same pid): the containers stay its children, the new podd
// reloads the records and claims them, and their exit statuses are not lost. The API socket
// is not closed first: execve closes it (close-on-exec) only once it succeeds; on failure podd
// still holds it and goes on serving.
func reexec() error {
	env := append(os.Environ(), reexecEnv+"=1")
	if err := unix.Exec(executable, os.Args, env); err != nil {
		return fmt.Errorf("re-exec %s: %w", executable, err)
	}
	return nil
}

// reexecEnv tells a re-executed PID 1 that the machine is already set up.
const reexecEnv = "PODD_REEXEC"

func runScript(r *reaper.Reaper, script string) int {
	cmd := exec.Command("/bin/sh", script)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = []string{"PATH=/bin:/sbin:/usr/bin:/usr/sbin", "HOME=/root", "TERM=dumb"}
	cmd.Dir = "/"
	child, err := r.Start(cmd)
	if err != nil {
		log.Printf("run %s: %v", script, err)
		return 127
	}
	return (<-child.Exit).Code()
}

// startStaticPods applies the pods of the manifest files of dir now (PID 1 boots, static
// pods), then keeps them in step with the files until the returned stop is called.
func startStaticPods(rt *runtime.Runtime, dir string) (stop func()) {
	if dir == "" {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &staticPods{store: rt, dir: dir}
	s.sync(ctx)
	go s.watch(ctx)
	return cancel
}

// serveMetrics serves Prometheus metrics on addr ("" : none).
func serveMetrics(rt *runtime.Runtime, addr string) error {
	if addr == "" {
		return nil
	}
	m := metrics.New(rt)
	rt.OnOOMKill(m.OOMKilled)
	rt.OnProbeResult(m.ProbeResult)
	rt.OnProbeConnect(m.ProbeConnect)
	a, err := m.Serve(addr)
	if err != nil {
		return err
	}
	log.Printf("metrics on http://%s/metrics", a)
	return nil
}
