package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// bench holds the run's configuration, the podd it talks to and what was measured.
type bench struct {
	env      *env
	podd     *daemon
	podctl   string
	webSync  string // manifest path
	image    string
	n, pods  int
	density  int           // pods for the density scenario
	churn    time.Duration // how long the churn clients run
	clients  int           // churn clients
	only     []string      // scenario groups to run
	peer     *podman       // bench-peers: the podman it drives, for cleanup
	rows     []row
	verdicts []string
	ctlCPU   atomic.Int64 // CPU (ns) of every podctl run so far
}

func (b *bench) add(r row) { b.rows = append(b.rows, r) }

// verdict records a target's outcome: OK or MISSED (a missed target is not a harness failure).
func (b *bench) verdict(name string, ok bool, format string, args ...any) {
	word := "MISSED"
	if ok {
		word = "OK"
	}
	b.verdicts = append(b.verdicts, fmt.Sprintf("%-6s %-20s %s", word, name, fmt.Sprintf(format, args...)))
}

func (b *bench) info(name, format string, args ...any) {
	b.verdicts = append(b.verdicts, fmt.Sprintf("%-6s %-20s %s", "INFO", name, fmt.Sprintf(format, args...)))
}

// ctl runs podctl and returns its whole-process wall time (exec to exit) and stdout.
func (b *bench) ctl(args ...string) (time.Duration, string, error) {
	var out, errOut bytes.Buffer
	cmd := exec.Command(b.podctl, append([]string{"--socket", b.env.socket()}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	t0 := time.Now()
	err := cmd.Run()
	d := time.Since(t0)
	if cmd.ProcessState != nil {
		b.ctlCPU.Add(int64(cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()))
	}
	if err != nil {
		return d, out.String(), fmt.Errorf("podctl %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errOut.String()))
	}
	return d, out.String(), nil
}

func (b *bench) apply(file string) (time.Duration, error) {
	d, out, err := b.ctl("apply", "-f", file)
	if err == nil && !strings.Contains(out, " created") {
		err = fmt.Errorf("podctl apply -f %s: want a created pod, got %q", file, out)
	}
	return d, err
}

func (b *bench) del(name string) (time.Duration, error) {
	d, _, err := b.ctl("delete", "pod", name)
	return d, err
}

// running checks, outside any timed region, that every container of the pod is Running.
func (b *bench) running(name string, containers int) (*corev1.Pod, error) {
	p, err := b.getPod(name)
	if err != nil {
		return nil, err
	}
	return p, checkRunning(p, containers)
}

// getPod is `podctl get pod NAME -o json`, decoded.
func (b *bench) getPod(name string) (*corev1.Pod, error) {
	_, out, err := b.ctl("get", "pod", name, "-o", "json")
	if err != nil {
		return nil, err
	}
	var p corev1.Pod
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		return nil, fmt.Errorf("get pod %s -o json: %w", name, err)
	}
	return &p, nil
}

func checkRunning(p *corev1.Pod, containers int) error {
	n := 0
	for _, s := range p.Status.ContainerStatuses {
		if s.State.Running != nil {
			n++
		}
	}
	if n != containers || len(p.Status.ContainerStatuses) != containers {
		return fmt.Errorf("pod %s: %d of %d containers Running (statuses: %+v)", p.Name, n, containers, p.Status.ContainerStatuses)
	}
	return nil
}

// baselineScenario measures two fixed costs that apply latency is made of: podctl's own (exec,
// Go init, one API round trip: `podctl get pods` on an idle podd) and the exec of the program
// every container starts as, before its mounts: podd-nsinit when it sits beside podd (podd
// then runs it from a sealed memfd), else podd itself (`podd nsinit`). Given no config it
// exits 1 at once, so this is exec + Go runtime and package init.
func (b *bench) baselineScenario() error {
	nsinit := exec.Command(b.env.podd, "nsinit", "bench")
	if p := filepath.Join(filepath.Dir(b.env.podd), "podd-nsinit"); fileExists(p) {
		nsinit = exec.Command(p)
	}
	var gets, inits []time.Duration
	for range b.n {
		d, _, err := b.ctl("get", "pods")
		if err != nil {
			return err
		}
		gets = append(gets, d)
		cmd := exec.Command(nsinit.Path, nsinit.Args[1:]...)
		t0 := time.Now()
		err = cmd.Run()
		inits = append(inits, time.Since(t0))
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			return fmt.Errorf("%s without config: want exit status 1, got %v", cmd, err)
		}
	}
	g, r := durations("podctl-get-pods", gets), durations("nsinit-exec-init", inits)
	b.add(g)
	b.add(r)
	b.info("baselines", "podctl's fixed cost %.2f ms (get pods); exec + Go init of %s %.2f ms (paid by each container start)",
		g.stats().median, strings.Join(append([]string{filepath.Base(nsinit.Path)}, nsinit.Args[1:]...), " "), r.stats().median)
	return nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// webSyncScenario: apply + verify + delete of the canonical 2-container pod, after a warm-up
// that unpacks the image.
func (b *bench) webSyncScenario() error {
	cold, err := b.apply(b.webSync)
	if err != nil {
		return err
	}
	if _, err := b.running("web-sync", 2); err != nil {
		return err
	}
	if _, err := b.del("web-sync"); err != nil {
		return err
	}
	b.add(durations("apply-web-sync-cold", []time.Duration{cold}))
	var applies, deletes []time.Duration
	for range b.n {
		a, err := b.apply(b.webSync)
		if err != nil {
			return err
		}
		if _, err := b.running("web-sync", 2); err != nil {
			return err
		}
		d, err := b.del("web-sync")
		if err != nil {
			return err
		}
		applies, deletes = append(applies, a), append(deletes, d)
	}
	r := durations("apply-web-sync", applies)
	b.add(r)
	b.add(durations("delete-web-sync", deletes))
	med := r.stats().median
	b.verdict("apply-web-sync", med <= 10, "median %.2f ms including podctl's start, target <= 10 ms (podman kube play: make bench-peers)", med)
	return nil
}

// execScenario: `podctl exec web-sync -c web -- true` on a running web-sync.
func (b *bench) execScenario() error {
	if _, err := b.apply(b.webSync); err != nil {
		return err
	}
	if _, err := b.running("web-sync", 2); err != nil {
		return err
	}
	var ds []time.Duration
	for i := range b.n + 1 {
		d, _, err := b.ctl("exec", "web-sync", "-c", "web", "--", "true")
		if err != nil {
			return err
		}
		if i > 0 { // the first one is a warm-up
			ds = append(ds, d)
		}
	}
	if _, err := b.del("web-sync"); err != nil {
		return err
	}
	r := durations("exec-latency", ds)
	b.add(r)
	b.info("exec-latency", "median %.2f ms for podctl exec ... -- true", r.stats().median)
	return nil
}

const onePod = `apiVersion: v1
kind: Pod
metadata:
  name: %s
spec:
  terminationGracePeriodSeconds: %d
  containers:
  - name: app
    image: %s
    command: %s
`

func (b *bench) writePod(name string, grace int, command string) (string, error) {
	path := filepath.Join(b.env.dir, "manifests", name+".yaml")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	return path, os.WriteFile(path, []byte(fmt.Sprintf(onePod, name, grace, b.image, command)), 0o644)
}

// termScenario times `podctl delete` of a 30 s-grace pod whose PID 1 ignores SIGTERM (podd
// should SIGKILL at once) and of one that catches it (should get SIGTERM and exit promptly).
func (b *bench) termScenario() error {
	const grace = 30
	cases := []struct {
		name, command string
		wantTerm      bool
	}{
		{"delete-ignore-term", `["/bin/testapp", "ignore-term"]`, false},
		{"delete-catch-term", `["/bin/testapp", "catch-term", "0"]`, true},
	}
	for _, c := range cases {
		file, err := b.writePod(c.name, grace, c.command)
		if err != nil {
			return err
		}
		var ds []time.Duration
		for range b.n {
			d, out, err := b.deleteWhenReady(c.name, file)
			if err != nil {
				return err
			}
			if got := strings.Contains(out, "term\n"); got != c.wantTerm {
				return fmt.Errorf("%s: container output %q: SIGTERM seen %v, want %v", c.name, out, got, c.wantTerm)
			}
			ds = append(ds, d)
		}
		r := durations(c.name, ds)
		b.add(r)
		s := r.stats()
		how := "SIGKILL at once (PID 1 ignores SIGTERM)"
		if c.wantTerm {
			how = `got SIGTERM ("term" in its log every time) and exited`
		}
		b.verdict(c.name, s.max < 1000, "%s: median %.1f ms, max %.1f ms, target < 1 s (grace %d s)", how, s.median, s.max, grace)
	}
	return nil
}

// deleteWhenReady applies the pod, waits for "ready" in the container's log, keeps the log open
// (podd removes it with the pod), times the delete and returns what the container printed.
func (b *bench) deleteWhenReady(name, file string) (time.Duration, string, error) {
	if _, err := b.apply(file); err != nil {
		return 0, "", err
	}
	p, err := b.running(name, 1)
	if err != nil {
		return 0, "", err
	}
	path := filepath.Join(b.env.logDir(), p.Namespace+"_"+p.Name+"_"+string(p.UID), "app", "0.log")
	var f *os.File
	for t0 := time.Now(); ; time.Sleep(2 * time.Millisecond) {
		if f == nil {
			f, _ = os.Open(path)
		}
		if f != nil {
			data, _ := os.ReadFile(path)
			if strings.Contains(string(data), "ready") {
				break
			}
		}
		if time.Since(t0) > 5*time.Second {
			if f != nil {
				f.Close()
			}
			return 0, "", fmt.Errorf("%s: no \"ready\" in %s after 5 s", name, path)
		}
	}
	defer f.Close()
	d, err := b.del(name)
	if err != nil {
		return 0, "", err
	}
	out, err := io.ReadAll(f)
	return d, string(out), err
}

// scaleScenario runs on a fresh podd: RSS idle, then 100 one-container pods (apply time of
// each), RSS and process census, then deletes: sequential, and after re-applying, 4 workers.
func (b *bench) scaleScenario() error {
	idle, _, err := procStatus(b.podd.pid)
	if err != nil {
		return err
	}
	files := make([]string, b.pods)
	for i := range files {
		if files[i], err = b.writePod("bench-"+strconv.Itoa(i), 30, `["sleep", "3600"]`); err != nil {
			return err
		}
	}
	applyAll := func() ([]time.Duration, error) {
		var ds []time.Duration
		for _, f := range files {
			d, err := b.apply(f)
			if err != nil {
				return nil, err
			}
			ds = append(ds, d)
		}
		return ds, b.allRunning(len(files))
	}
	applies, err := applyAll()
	if err != nil {
		return err
	}
	fp, err := b.footprint()
	if err != nil {
		return err
	}

	seq := make([]time.Duration, b.pods)
	t0 := time.Now()
	for i := range seq {
		if seq[i], err = b.del("bench-" + strconv.Itoa(i)); err != nil {
			return err
		}
	}
	seqTotal := time.Since(t0)
	after, _, err := procStatus(b.podd.pid)
	if err != nil {
		return err
	}

	reapplies, err := applyAll()
	if err != nil {
		return err
	}
	const workers = 4
	par := make([]time.Duration, b.pods)
	errs := make([]error, b.pods)
	var wg sync.WaitGroup
	next := make(chan int)
	t0 = time.Now()
	for range workers {
		wg.Go(func() {
			for i := range next {
				par[i], errs[i] = b.del("bench-" + strconv.Itoa(i))
			}
		})
	}
	for i := range b.pods {
		next <- i
	}
	close(next)
	wg.Wait()
	parTotal := time.Since(t0)
	if err := errors.Join(errs...); err != nil {
		return err
	}

	ap := durations(fmt.Sprintf("apply-at-%d-pods", b.pods), applies)
	b.add(ap)
	b.add(durations(fmt.Sprintf("reapply-at-%d-pods", b.pods), reapplies))
	b.add(durations(fmt.Sprintf("delete-at-%d-seq", b.pods), seq))
	b.add(durations(fmt.Sprintf("delete-at-%d-par%d", b.pods, workers), par))
	b.add(durations(fmt.Sprintf("delete-all-%d-seq", b.pods), []time.Duration{seqTotal}))
	b.add(durations(fmt.Sprintf("delete-all-%d-par%d", b.pods, workers), []time.Duration{parTotal}))
	b.add(mbRow("podd-rss-idle", idle))
	b.add(mbRow(fmt.Sprintf("podd-rss-%d-pods", b.pods), fp.rss))
	b.add(mbRow(fmt.Sprintf("podd-hwm-%d-pods", b.pods), fp.hwm))
	b.add(mbRow("podd-rss-after-delete", after))

	c := fp.census
	b.verdict(fmt.Sprintf("rss-%d-pods", b.pods), float64(fp.rss)/1024 < 30, "VmRSS %.1f MB (VmHWM %.1f MB, idle %.1f MB), target < 30 MB", float64(fp.rss)/1024, float64(fp.hwm)/1024, float64(idle)/1024)
	b.verdict("no-helper-processes", c.helpers == 0 && c.containers == b.pods && c.children == b.pods,
		"%d children of podd, %d descendants outside the container cgroups (pods/*/*/cgroup.procs); %d processes in the container cgroups; supervisor cgroup: %v; podd threads: %d",
		c.children, c.helpers, c.containers, c.supervisor, c.threads)
	first, last := summarize(ap.samples[:min(10, len(ap.samples))]), summarize(ap.samples[max(0, len(ap.samples)-10):])
	b.info("apply-at-scale", "median %.2f ms per pod (first 10: %.2f ms, last 10: %.2f ms)", ap.stats().median, first.median, last.median)
	b.info("delete-all", "%d pods: sequential %.0f ms (%.2f ms/pod, %.1f pods/s), %d workers %.0f ms (%.1f pods/s)", b.pods, ms(seqTotal),
		ms(seqTotal)/float64(b.pods), float64(b.pods)/seqTotal.Seconds(), workers, ms(parTotal), float64(b.pods)/parTotal.Seconds())
	return nil
}

// footprint is podd's memory and its process census while pods run.
type footprint struct {
	rss, hwm int64 // VmRSS, VmHWM in kB
	census   census
}

// footprint measures podd's footprint now (scale and density, with all their pods running).
func (b *bench) footprint() (footprint, error) {
	var f footprint
	var err error
	if f.rss, f.hwm, err = procStatus(b.podd.pid); err != nil {
		return f, err
	}
	f.census, err = b.census()
	return f, err
}

func mbRow(name string, kb int64) row {
	return row{name: name, unit: "MB", samples: []float64{float64(kb) / 1024}}
}

// procStatus reads VmRSS and VmHWM (kB) from /proc/PID/status.
func procStatus(pid int) (rss, hwm int64, err error) {
	m, err := statusFields(pid)
	if err != nil {
		return 0, 0, err
	}
	return m["VmRSS"], m["VmHWM"], nil
}

func statusFields(pid int) (map[string]int64, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return nil, err
	}
	m := map[string]int64{}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		if f := strings.Fields(v); len(f) > 0 {
			if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
				m[k] = n
			}
		}
	}
	return m, nil
}

type census struct {
	children   int   // processes whose parent is podd
	helpers    int   // descendants of podd that are not in a container cgroup
	containers int   // processes in <cgroup-root>/pods/*/*/cgroup.procs
	supervisor []int // <cgroup-root>/supervisor/cgroup.procs (podd alone)
	threads    int64
}

// census compares podd's children and descendants with the container cgroups' members.
func (b *bench) census() (census, error) {
	var c census
	inCtr := map[int]bool{}
	procsFiles, err := filepath.Glob(filepath.Join(b.env.cgroup, "pods", "*", "*", "cgroup.procs"))
	if err != nil {
		return c, err
	}
	for _, f := range procsFiles {
		pids, err := readPids(f)
		if err != nil {
			return c, err
		}
		for _, p := range pids {
			inCtr[p] = true
		}
	}
	c.containers = len(inCtr)
	if c.supervisor, err = readPids(filepath.Join(b.env.cgroup, "supervisor", "cgroup.procs")); err != nil {
		return c, err
	}
	parent, err := parents()
	if err != nil {
		return c, err
	}
	for pid, ppid := range parent {
		if ppid == b.podd.pid {
			c.children++
		}
		if descends(parent, pid, b.podd.pid) && !inCtr[pid] {
			c.helpers++
		}
	}
	m, err := statusFields(b.podd.pid)
	if err != nil {
		return c, err
	}
	c.threads = m["Threads"]
	if len(c.supervisor) != 1 || c.supervisor[0] != b.podd.pid {
		return c, fmt.Errorf("supervisor cgroup holds %v, want podd (%d) alone", c.supervisor, b.podd.pid)
	}
	return c, nil
}

func readPids(file string) ([]int, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, f := range strings.Fields(string(data)) {
		p, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		pids = append(pids, p)
	}
	return pids, nil
}

// parents maps every process to its parent, from /proc/PID/stat.
func parents() (map[int]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	m := map[int]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // exited meanwhile
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
		if len(f) < 2 {
			continue
		}
		if ppid, err := strconv.Atoi(f[1]); err == nil {
			m[pid] = ppid
		}
	}
	return m, nil
}

// descends says whether pid is a descendant of anc (not anc itself).
func descends(parent map[int]int, pid, anc int) bool {
	for i := 0; i < 1000 && pid > 1; i++ {
		pid = parent[pid]
		if pid == anc {
			return true
		}
	}
	return false
}
