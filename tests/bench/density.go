package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// deleteWorkers is how many podctl processes delete a set of pods at once, each given its
// share of the names in one `podctl delete pod A B ...` (podctl has no --all).
const deleteWorkers = 8

// densityScenario runs on a fresh podd: N one-container pods applied one `podctl apply` at a
// time, then, with all N running: podd's VmRSS/VmHWM, a census of podd's descendants, `podctl
// get pods` latency (against its latency on the idle podd, same run), and the time to delete
// all N with deleteWorkers podctl processes; finally nothing may be left behind.
func (b *bench) densityScenario() error {
	n := b.density
	if err := b.warmUp(); err != nil {
		return err
	}
	idle, _, err := procStatus(b.podd.pid)
	if err != nil {
		return err
	}
	if err := b.snapshot("density-idle"); err != nil {
		return err
	}
	getIdle, err := b.timeGets(10)
	if err != nil {
		return err
	}
	before, err := b.leakBaseline()
	if err != nil {
		return err
	}
	names := podNames("dense", n)
	applies, loads, err := b.applySeq(names)
	if err != nil {
		return err
	}
	if err := b.allRunning(n); err != nil {
		return err
	}
	fp, err := b.footprint()
	if err != nil {
		return err
	}
	if err := b.snapshot(fmt.Sprintf("density-%d", n)); err != nil {
		return err
	}
	getFull, err := b.timeGets(10)
	if err != nil {
		return err
	}
	t0 := time.Now()
	if err := b.deleteAll(names); err != nil {
		return err
	}
	delAll := time.Since(t0)
	leaks, err := b.leaks(before)
	if err != nil {
		return err
	}
	b.densityReport(n, applies, loads, idle, fp, getIdle, getFull, delAll, leaks)
	return nil
}

func (b *bench) densityReport(n int, applies []time.Duration, loads [2]string, idle int64, fp footprint,
	getIdle, getFull []time.Duration, delAll time.Duration, leaks []string) {
	rss, hwm, c := fp.rss, fp.hwm, fp.census
	ap := durations(fmt.Sprintf("apply-to-%d-pods", n), applies)
	b.add(ap)
	k := min(50, n/2)
	first, last := summarize(ap.samples[:k]), summarize(ap.samples[n-k:])
	gi, gf := durations("podctl-get-pods-idle", getIdle), durations(fmt.Sprintf("podctl-get-pods-at-%d", n), getFull)
	b.add(gi)
	b.add(gf)
	b.add(durations(fmt.Sprintf("delete-all-%d-par%d", n, deleteWorkers), []time.Duration{delAll}))
	b.add(mbRow(fmt.Sprintf("podd-rss-%d-pods", n), rss))
	b.add(mbRow(fmt.Sprintf("podd-hwm-%d-pods", n), hwm))

	ratio := last.median / first.median
	b.verdict(fmt.Sprintf("rss-%d-pods", n), float64(rss)/1024 < 60, "VmRSS %.1f MB (VmHWM %.1f MB, idle %.1f MB: %.1f kB per pod), target < 60 MB",
		float64(rss)/1024, float64(hwm)/1024, float64(idle)/1024, float64(rss-idle)/float64(n))
	b.verdict(fmt.Sprintf("apply-last-%d", k), ratio < 1.25, "median of the last %d applies / the first %d: %.2f (%.2f / %.2f ms), target ~1 (< 1.25); load after the first %d: %s, after the last: %s",
		k, k, ratio, last.median, first.median, k, loads[0], loads[1])
	gs, gis := gf.stats(), gi.stats()
	b.verdict(fmt.Sprintf("get-pods-at-%d", n), gs.median < 50, "podctl get pods median %.1f ms, %.2fx the idle podd's %.1f ms (podctl's fixed cost), target < 50 ms",
		gs.median, gs.median/gis.median, gis.median)
	b.verdict(fmt.Sprintf("delete-all-%d", n), delAll < 20*time.Second, "%.1f s with %d podctl processes at once, each `podctl delete pod` of %d names; target < 20 s",
		delAll.Seconds(), deleteWorkers, (n+deleteWorkers-1)/deleteWorkers)
	b.verdict(fmt.Sprintf("no-helpers-%d", n), c.helpers == 0 && c.children == n,
		"%d descendants of podd outside the container cgroups; %d children, %d processes in container cgroups; podd threads %d",
		c.helpers, c.children, c.containers, c.threads)
	b.verdict(fmt.Sprintf("no-leaks-%d", n), len(leaks) == 0, "after deleting all: %s", leakText(leaks))
}

// warmUp applies and deletes one pod, so the image is unpacked before anything is timed.
func (b *bench) warmUp() error {
	f, err := b.writePod("warm-up", 30, `["sleep", "3600"]`)
	if err != nil {
		return err
	}
	if _, err := b.apply(f); err != nil {
		return err
	}
	_, err = b.del("warm-up")
	return err
}

func podNames(prefix string, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = prefix + "-" + strconv.Itoa(i)
	}
	return names
}

// applySeq writes and applies one sleeping one-container pod per name, one podctl at a time,
// and notes the load average after the first 50 and after the last (the host's other work
// moves the last/first ratio).
func (b *bench) applySeq(names []string) ([]time.Duration, [2]string, error) {
	ds := make([]time.Duration, len(names))
	var loads [2]string
	for i, name := range names {
		f, err := b.writePod(name, 30, `["sleep", "3600"]`)
		if err != nil {
			return nil, loads, err
		}
		if ds[i], err = b.apply(f); err != nil {
			return nil, loads, fmt.Errorf("apply %d of %d: %w", i+1, len(names), err)
		}
		if i+1 == min(50, len(names)/2) {
			loads[0] = loadavg()
		}
	}
	loads[1] = loadavg()
	return ds, loads, nil
}

// allRunning checks, with one `get pods -o json`, that exactly n pods run one container each.
func (b *bench) allRunning(n int) error {
	_, out, err := b.ctl("get", "pods", "-o", "json")
	if err != nil {
		return err
	}
	var list corev1.PodList
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		return fmt.Errorf("get pods -o json: %w", err)
	}
	if len(list.Items) != n {
		return fmt.Errorf("get pods: %d pods, want %d", len(list.Items), n)
	}
	for i := range list.Items {
		if err := checkRunning(&list.Items[i], 1); err != nil {
			return err
		}
	}
	return nil
}

// timeGets times `podctl get pods` (the table) k times.
func (b *bench) timeGets(k int) ([]time.Duration, error) {
	var ds []time.Duration
	for range k {
		d, _, err := b.ctl("get", "pods")
		if err != nil {
			return nil, err
		}
		ds = append(ds, d)
	}
	return ds, nil
}

// deleteAll deletes the pods with deleteWorkers podctl processes at once, each given a share.
func (b *bench) deleteAll(names []string) error {
	errs := make([]error, deleteWorkers)
	var wg sync.WaitGroup
	for w := range deleteWorkers {
		var share []string
		for i := w; i < len(names); i += deleteWorkers {
			share = append(share, names[i])
		}
		if len(share) == 0 {
			continue
		}
		wg.Go(func() {
			_, _, errs[w] = b.ctl(append([]string{"delete", "pod"}, share...)...)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func leakText(leaks []string) string {
	if len(leaks) == 0 {
		return "no pod cgroups, namespace pins, IPAM leases, pod records, veths or mounts left"
	}
	if len(leaks) > 8 {
		leaks = append(leaks[:8:8], fmt.Sprintf("and %d more", len(leaks)-8))
	}
	return "LEFT: " + strings.Join(leaks, "; ")
}
