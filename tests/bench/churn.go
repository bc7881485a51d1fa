package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/podd/podd/api/client"
)

// churnScenario runs the churn twice on the same podd, each time b.clients clients applying a
// pod and deleting it again in a loop for b.churn, and checks for leaks after each:
//   - churn: each client runs `podctl apply` and `podctl delete`, so every cycle pays two
//     podctl process starts (~20 ms of CPU each on a small VM) besides podd's work;
//   - churn-api: each client is a goroutine speaking podd's API over the unix socket
//     (api/client, as kubectl or a CRI client would), so pods/s is podd's own throughput
//     (`-only churn-api` runs this one alone).
//
// pods/s is the number of apply+delete cycles completed per second; cpu-per-pod is the CPU
// time of podd's cgroup subtree (cpu.stat usage_usec) per cycle, which other work on the host
// moves much less than the rate.
func (b *bench) churnScenario() error {
	if err := b.warmUp(); err != nil {
		return err
	}
	if b.wants("churn") {
		if err := b.churnRun("churn", b.podctlCycle); err != nil {
			return err
		}
	}
	return b.churnRun("churn-api", b.apiCycle)
}

// churnCycle returns the cycle one client repeats: apply pod name (manifest file), delete it.
type churnCycle func(name, file string) (func(context.Context) error, error)

func (b *bench) podctlCycle(name, file string) (func(context.Context) error, error) {
	return func(context.Context) error {
		if _, err := b.apply(file); err != nil {
			return err
		}
		_, err := b.del(name)
		return err
	}, nil
}

// apiCycle does what podctlCycle does through the API client (its http.Transport keeps the
// connection to podd open between cycles); the manifest is converted to JSON once, up front.
func (b *bench) apiCycle(name, file string) (func(context.Context) error, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pod, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	c := client.New(b.env.socket())
	return func(ctx context.Context) error {
		_, created, err := c.Apply(ctx, "default", pod)
		if err != nil {
			return fmt.Errorf("apply %s: %w", name, err)
		}
		if !created {
			return fmt.Errorf("apply %s: want a created pod, the pod existed", name)
		}
		if err := c.Delete(ctx, "default", name, nil); err != nil {
			return fmt.Errorf("delete %s: %w", name, err)
		}
		return nil
	}, nil
}

// churnRun runs b.clients clients of cycle until b.churn is over, then reports the cycle
// times (row <name>-cycle-<N>clients), pods/s (<name>-pods-per-s), and the leak check.
func (b *bench) churnRun(name string, cycle churnCycle) error {
	before, err := b.leakBaseline()
	if err != nil {
		return err
	}
	counts := make([]int, b.clients)
	errs := make([]error, b.clients)
	cycles := make([][]time.Duration, b.clients)
	cpu0, err := b.env.cgroupCPU()
	if err != nil {
		return err
	}
	ctl0 := b.ctlCPU.Load()
	deadline := time.Now().Add(b.churn)
	t0 := time.Now()
	var wg sync.WaitGroup
	profErr := b.cpuProfile(&wg, name, b.churn)
	for c := range b.clients {
		wg.Go(func() {
			cycles[c], errs[c] = b.churnClient(name+"-"+strconv.Itoa(c), cycle, deadline)
			counts[c] = len(cycles[c])
		})
	}
	wg.Wait()
	elapsed := time.Since(t0)
	if err := errors.Join(append(errs, *profErr)...); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	cpu1, err := b.env.cgroupCPU()
	if err != nil {
		return err
	}
	leaks, err := b.leaks(before)
	if err != nil {
		return err
	}
	total := 0
	var all []time.Duration
	for c := range b.clients {
		total += counts[c]
		all = append(all, cycles[c]...)
	}
	rate := float64(total) / elapsed.Seconds()
	perPod := ms(cpu1-cpu0) / float64(max(total, 1))
	ctlPerPod := ms(time.Duration(b.ctlCPU.Load()-ctl0)) / float64(max(total, 1))
	b.add(durations(fmt.Sprintf("%s-cycle-%dclients", name, b.clients), all))
	b.add(row{name: name + "-pods-per-s", unit: "pods/s", samples: []float64{rate}})
	b.add(row{name: name + "-cpu-per-pod", unit: "ms", samples: []float64{perPod}})
	b.verdict(name, rate >= 50, "%d clients (%s) applying and deleting for %.1f s: %d pods, %.1f pods/s (cycle median %.1f ms), target >= 50 pods/s",
		b.clients, churnHow[name], elapsed.Seconds(), total, rate, durations("", all).stats().median)
	b.info(name+"-cpu", "%.1f ms of CPU per pod in podd's cgroup subtree (podd, podd-nsinit, the containers; not kernel workers), %.1f ms in podctl: %.0f pods/s at most on %d CPUs",
		perPod, ctlPerPod, float64(runtime.NumCPU())*1000/(perPod+ctlPerPod), runtime.NumCPU())
	b.verdict(name+"-no-leaks", len(leaks) == 0, "after the %s: %s", name, leakText(leaks))
	return nil
}

var churnHow = map[string]string{
	"churn":     "podctl processes",
	"churn-api": "goroutines on the API socket",
}

// churnClient applies and deletes pod name until the deadline; it returns each cycle's time.
func (b *bench) churnClient(name string, cycle churnCycle, deadline time.Time) ([]time.Duration, error) {
	f, err := b.writePod(name, 30, `["sleep", "3600"]`)
	if err != nil {
		return nil, err
	}
	run, err := cycle(name, f)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	var ds []time.Duration
	for time.Now().Before(deadline) {
		t0 := time.Now()
		if err := run(ctx); err != nil {
			return ds, err
		}
		ds = append(ds, time.Since(t0))
	}
	return ds, nil
}
