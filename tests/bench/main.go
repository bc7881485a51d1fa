// Command bench measures podd end to end with real podctl invocations (whole-process wall
// time, exec to exit) against a podd started in a fresh network and private mount namespace,
// and prints a table (name, n, min, median, p90, max, unit) and a verdict per target.
//
//	go run ./tests/bench -podd build/podd -podctl build/podctl [-n 30] [-pods 100] [-density 1000]
//	    [-churn 20s] [-clients 10] [-only start,main,scale,density,churn,churn-api,logs,forward] [-profile DIR]
//	go run ./tests/bench -peers [-peer-blocks 2] [-peer-n 5] [-peer-density 100] [-peer-parallel 20]
//
// Rows: podd-start (execve of podd to /healthz answering, after a quiet pause), podd-stop-idle
// (SIGTERM to exit); podctl-get-pods and nsinit-exec-init (fixed costs, see baselineScenario);
// apply-web-sync(-cold) and delete-web-sync (the example pod; cold = first apply, image
// unpack); exec-latency (podctl exec -- true); delete-ignore-term / delete-catch-term (30 s
// grace); apply/reapply/delete-at-N-* (per pod, N pods running), delete-all-N-* (total);
// podd-rss-* and podd-hwm-* (VmRSS/VmHWM of podd); apply-to-N-pods, podctl-get-pods-idle/-at-N
// and delete-all-N-par8 (density: N pods running at once, deleted by 8 podctl processes);
// churn-cycle-* and churn-pods-per-s (clients applying and deleting at once with podctl),
// churn-api-cycle-* and churn-api-pods-per-s (the same through the API socket, without podctl's
// process starts: podd's own throughput). Density and each churn end with a leak check: no
// pod cgroup, pin, IPAM lease, record, veth or mount left. logs: log-lines-per-s-captured and
// -direct (one container's log lines/s through podd vs to a file, same run) and podd-rss-N-idle-pods
// / -logging-pods (N = -pods; see logs.go, logmem.go).
//
// -peers (make bench-peers) runs podd and podman kube play side by side instead, in
// alternating blocks (the order flips every block) of one run, and prints podman/podd ratios:
// apply, delete and exec on web-sync, parallel applies, and the footprint with N pods (engine
// RSS, processes that are not containers). See peers.go and podman.go.
//
// It needs root, the cgroup v2 hierarchy at /sys/fs/cgroup/unified (this hybrid host; pods get
// no resources: no cpu/memory controllers there), unshare and ip, and the test image (make
// image). Missed targets print MISSED; the exit status is non-zero only when the harness itself
// fails (podd does not start, a pod is not Running, cleanup fails...).
package main

import (
	"bufio"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	poddBin := flag.String("podd", "build/podd", "podd binary")
	podctl := flag.String("podctl", "build/podctl", "podctl binary")
	n := flag.Int("n", 30, "iterations per measurement")
	pods := flag.Int("pods", 100, "pods for the scale measurement")
	density := flag.Int("density", 1000, "pods running at once for the density measurement")
	churn := flag.Duration("churn", 20*time.Second, "how long the churn clients run")
	clients := flag.Int("clients", 10, "churn clients")
	peers := flag.Bool("peers", false, "compare with podman kube play instead (make bench-peers)")
	blocks := flag.Int("peer-blocks", 2, "peers: alternating blocks of podd and podman")
	peerN := flag.Int("peer-n", 5, "peers: apply/delete cycles and execs per engine and block")
	peerDensity := flag.Int("peer-density", 100, "peers: pods running at once for the footprint")
	peerPar := flag.Int("peer-parallel", 20, "peers: pods applied at once")
	profile := flag.String("profile", "", "density: save podd's heap profile, goroutines and smaps_rollup, idle and with N pods; churn: podd's CPU profile over each churn (NAME.cpu); in this directory")
	only := flag.String("only", "start,main,scale,density,churn,logs,forward", "scenarios to run, comma-separated")
	manifest := flag.String("manifest", "examples/web-sync.yaml", "the 2-container pod (named web-sync)")
	image := flag.String("image", "oci:/var/lib/podd/images/podd-test:latest", "test image (busybox + /bin/testapp)")
	flag.Parse()
	if *n < 1 || *pods < 1 || *density < 2 || *clients < 1 {
		fatal(fmt.Errorf("-n, -pods and -clients must be at least 1, -density at least 2"))
	}
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			fatal(err)
		}
		if _, err := os.Stat(a); err != nil {
			fatal(err)
		}
		return a
	}
	e, err := newEnv(abs(*poddBin))
	if err != nil {
		fatal(err)
	}
	if *profile != "" {
		if e.profileDir, err = filepath.Abs(*profile); err != nil {
			fatal(err)
		}
	}
	b := &bench{env: e, podctl: abs(*podctl), webSync: abs(*manifest), image: *image, n: *n, pods: *pods,
		density: *density, churn: *churn, clients: *clients, only: strings.Split(*only, ",")}
	e.exactHeap = b.wants("density")
	printHost(e.podd)
	fmt.Printf("podd dir %s, cgroup %s\n\n", e.dir, e.cgroup)

	stopOnSignal(b)
	load0 := loadavg()
	var runErr error
	if *peers {
		runErr = b.runPeers(*blocks, *peerN, *peerDensity, *peerPar)
	} else {
		runErr = b.run()
	}
	fmt.Printf("load average at start %s, at end %s (other work on the host skews the tails)\n\n", load0, loadavg())
	if runErr == nil {
		printTable(os.Stdout, b.rows)
		fmt.Println()
		for _, v := range b.verdicts {
			fmt.Println(v)
		}
	} else if len(b.rows) > 0 {
		printTable(os.Stdout, b.rows) // what was measured before the failure
	}
	if err := b.shutdown(); err != nil && runErr == nil {
		runErr = err
	}
	if runErr != nil {
		fatal(runErr)
	}
}

var mu sync.Mutex // guards bench.podd against the signal handler

// run runs the scenarios named in -only, each group on a fresh podd: start (podd started and
// stopped n times), main (baselines, web-sync, exec, SIGTERM), scale, density, churn (churn-api
// alone: only the API clients' churn), logs, forward (port-forward against a direct copy).
func (b *bench) run() error {
	if b.wants("start") {
		if err := b.startScenario(); err != nil {
			return err
		}
	}
	groups := []struct {
		name string
		runs []func() error
	}{
		{"main", []func() error{b.baselineScenario, b.webSyncScenario, b.execScenario, b.termScenario}},
		{"scale", []func() error{b.scaleScenario}},
		{"density", []func() error{b.densityScenario}},
		{"churn", []func() error{b.churnScenario}},
		{"logs", []func() error{b.logsScenario}},
		{"forward", []func() error{b.forwardScenario}},
	}
	for _, g := range groups {
		if !b.wants(g.name) && !(g.name == "churn" && b.wants("churn-api")) {
			continue
		}
		if err := b.startPodd(); err != nil {
			return err
		}
		for _, s := range g.runs {
			if err := s(); err != nil {
				return fmt.Errorf("%s: %w", g.name, err)
			}
		}
		if _, err := b.stopPodd(); err != nil {
			return err
		}
	}
	return nil
}

func (b *bench) wants(name string) bool { return slices.Contains(b.only, name) }

// startScenario starts and stops podd n times (podd-start, podd-stop-idle).
func (b *bench) startScenario() error {
	var starts, stops []time.Duration
	for range b.n {
		if err := b.startPodd(); err != nil {
			return err
		}
		starts = append(starts, b.podd.start)
		d, err := b.stopPodd()
		if err != nil {
			return err
		}
		stops = append(stops, d)
		// A quiet pause, as between real restarts: back to back, podd's move into its cgroup
		// (an RCU grace period) and its bridge setup overlap the previous podd's namespace
		// teardown, which makes the samples bimodal.
		time.Sleep(250 * time.Millisecond)
	}
	r := durations("podd-start", starts)
	b.add(r)
	b.add(durations("podd-stop-idle", stops))
	b.info("podd-start", "median %.2f ms from execve of podd to /healthz answering (%s)", r.stats().median, b.env.containersStartAs())
	return nil
}

func (b *bench) startPodd() error {
	d, err := b.env.startPodd()
	mu.Lock()
	b.podd = d
	mu.Unlock()
	return err
}

func (b *bench) stopPodd() (time.Duration, error) {
	mu.Lock()
	d := b.podd
	b.podd = nil
	mu.Unlock()
	if d == nil {
		return 0, nil
	}
	return d.stop(60 * time.Second)
}

// shutdown stops podd if one runs and removes the temp dir and the cgroup subtree.
func (b *bench) shutdown() error {
	var err error
	if b.peer != nil {
		err = b.peer.cleanup()
	}
	if _, serr := b.stopPodd(); serr != nil && err == nil {
		err = serr
	}
	if cerr := b.env.cleanup(); cerr != nil {
		fmt.Fprintf(os.Stderr, "bench: cleanup: %v\n", cerr)
		if err == nil {
			err = cerr
		}
	}
	return err
}

func stopOnSignal(b *bench) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-ch
		fmt.Fprintf(os.Stderr, "bench: %v: stopping podd and cleaning up\n", s)
		_ = b.shutdown()
		os.Exit(2)
	}()
}

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "bench: %v\n", err)
	os.Exit(1)
}

// printHost prints the kernel, the CPUs and what podd binary this is.
func printHost(podd string) {
	var u syscall.Utsname
	_ = syscall.Uname(&u)
	fmt.Printf("kernel %s, %d CPUs (%s), %s\n", utsString(u.Release[:]), runtime.NumCPU(), cpuModel(), runtime.Version())
	ver := "unknown build"
	if bi, err := buildinfo.ReadFile(podd); err == nil {
		ver = bi.GoVersion + " " + bi.Main.Path + "@" + bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.modified" || s.Key == "vcs.time" {
				ver += " " + s.Key + "=" + s.Value
			}
		}
	}
	sum := "?"
	if data, err := os.ReadFile(podd); err == nil {
		h := sha256.Sum256(data)
		sum = hex.EncodeToString(h[:6])
	}
	fmt.Printf("podd %s (%s, sha256 %s...)\n", podd, ver, sum)
}

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(data)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}

func utsString(b []int8) string {
	var s strings.Builder
	for _, c := range b {
		if c == 0 {
			break
		}
		s.WriteByte(byte(c))
	}
	return s.String()
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "?"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}
