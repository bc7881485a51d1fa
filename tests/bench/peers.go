package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// engine is one system under comparison: podd (through podctl) or podman (kube play).
type engine interface {
	name() string
	apply(file string) error
	del(names ...string) error // several names: deleted at once, as the engine does it best
	exec() error               // `exec` of `true` in web-sync's web container
	running(pod string, containers int) error
	webSync() string
	pod(name string) (string, error) // a sleeping one-container pod's manifest
	footprint() (helpers, conmons int, rssKB int64, err error)
}

type poddEngine struct{ b *bench }

func (e poddEngine) name() string { return "podd" }
func (e poddEngine) apply(file string) error {
	_, err := e.b.apply(file)
	return err
}
func (e poddEngine) del(names ...string) error { return e.b.deleteAll(names) }
func (e poddEngine) exec() error {
	_, _, err := e.b.ctl("exec", "web-sync", "-c", "web", "--", "true")
	return err
}
func (e poddEngine) running(pod string, n int) error {
	_, err := e.b.running(pod, n)
	return err
}
func (e poddEngine) webSync() string { return e.b.webSync }
func (e poddEngine) pod(name string) (string, error) {
	return e.b.writePod(name, 30, `["sleep", "3600"]`)
}

// footprint: podd's VmRSS; its helpers are its descendants outside the container cgroups.
func (e poddEngine) footprint() (int, int, int64, error) {
	c, err := e.b.census()
	if err != nil {
		return 0, 0, 0, err
	}
	rss, _, err := procStatus(e.b.podd.pid)
	return c.helpers, 0, rss, err
}

type podmanEngine struct {
	p       *podman
	dir     string // its manifests
	webFile string
}

func newPodmanEngine(b *bench) (*podmanEngine, error) {
	p, err := newPodman(b.env.dir, b.image)
	if err != nil {
		return nil, err
	}
	e := &podmanEngine{p: p, dir: filepath.Join(b.env.dir, "podman-manifests")}
	if err := os.MkdirAll(e.dir, 0o755); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(b.webSync)
	if err != nil {
		return nil, err
	}
	// The same pod with the image named as podman's store knows it.
	ws := strings.ReplaceAll(string(data), "oci:/var/lib/podd/images/podd-test:latest", podmanImage)
	e.webFile = filepath.Join(e.dir, "web-sync.yaml")
	return e, os.WriteFile(e.webFile, []byte(ws), 0o644)
}

func (e *podmanEngine) name() string { return "podman" }
func (e *podmanEngine) apply(file string) error {
	_, err := e.p.run("kube", "play", file)
	return err
}
func (e *podmanEngine) del(names ...string) error {
	_, err := e.p.run(append([]string{"pod", "rm", "-f", "-t", "0"}, names...)...)
	return err
}
func (e *podmanEngine) exec() error {
	_, err := e.p.run("exec", "web-sync-web", "true")
	return err
}
func (e *podmanEngine) running(pod string, n int) error { return e.p.running(pod, n) }
func (e *podmanEngine) webSync() string                 { return e.webFile }
func (e *podmanEngine) pod(name string) (string, error) {
	path := filepath.Join(e.dir, name+".yaml")
	return path, os.WriteFile(path, []byte(fmt.Sprintf(onePod, name, 30, podmanImage, `["sleep", "3600"]`)), 0o644)
}
func (e *podmanEngine) footprint() (int, int, int64, error) { return e.p.helpers() }

// peerSamples is what one engine measured in the paired run.
type peerSamples struct {
	apply, del, exec, par []time.Duration
	density               densityFigures
}

type densityFigures struct {
	applyAll, delAll time.Duration
	helpers, conmons int
	rssKB            int64
	load             string
}

// runPeers is `make bench-peers`: podd and podman side by side, in alternating blocks within
// one run (the order flips every block), then the density of each; it prints both engines'
// rows and podman/podd ratios.
func (b *bench) runPeers(blocks, k, density, parallel int) error {
	if err := b.startPodd(); err != nil {
		return err
	}
	pm, err := newPodmanEngine(b)
	if err != nil {
		return err
	}
	b.peer = pm.p
	engines := []engine{poddEngine{b}, pm}
	got := map[string]*peerSamples{"podd": {}, "podman": {}}
	for _, e := range engines { // warm-up: image unpack, podman's pause image
		if err := cycle(e, nil, nil); err != nil {
			return fmt.Errorf("%s warm-up: %w", e.name(), err)
		}
	}
	for blk := range blocks {
		order := engines
		if blk%2 == 1 {
			order = []engine{engines[1], engines[0]}
		}
		for _, e := range order {
			s := got[e.name()]
			if err := pairedBlock(e, s, k, parallel); err != nil {
				return fmt.Errorf("%s: %w", e.name(), err)
			}
		}
	}
	for _, e := range engines {
		fig, err := densityOf(e, density)
		if err != nil {
			return fmt.Errorf("%s density: %w", e.name(), err)
		}
		got[e.name()].density = fig
	}
	b.peerReport(got, density, parallel)
	return nil
}

// pairedBlock: k apply/delete cycles of web-sync, k execs, one round of parallel applies.
func pairedBlock(e engine, s *peerSamples, k, parallel int) error {
	for range k {
		if err := cycle(e, &s.apply, &s.del); err != nil {
			return err
		}
	}
	if err := e.apply(e.webSync()); err != nil {
		return err
	}
	if err := e.running("web-sync", 2); err != nil {
		return err
	}
	for range k {
		d, err := timed(e.exec)
		if err != nil {
			return err
		}
		s.exec = append(s.exec, d)
	}
	if err := e.del("web-sync"); err != nil {
		return err
	}
	d, err := parallelApplies(e, parallel)
	if err != nil {
		return err
	}
	s.par = append(s.par, d)
	return nil
}

// cycle applies web-sync, checks both containers run (untimed), deletes it.
func cycle(e engine, applies, dels *[]time.Duration) error {
	a, err := timed(func() error { return e.apply(e.webSync()) })
	if err != nil {
		return err
	}
	if err := e.running("web-sync", 2); err != nil {
		return err
	}
	d, err := timed(func() error { return e.del("web-sync") })
	if err != nil {
		return err
	}
	if applies != nil {
		*applies, *dels = append(*applies, a), append(*dels, d)
	}
	return nil
}

// parallelApplies applies n one-container pods with n clients at once and returns the time
// until the last apply returned; then it deletes them.
func parallelApplies(e engine, n int) (time.Duration, error) {
	names := podNames("par", n)
	files := make([]string, n)
	for i, name := range names {
		var err error
		if files[i], err = e.pod(name); err != nil {
			return 0, err
		}
	}
	d, err := timed(func() error { return each(files, n, e.apply) })
	if err != nil {
		return 0, err
	}
	return d, e.del(names...)
}

// densityOf applies n one-container pods with 4 clients, takes the engine's footprint with all
// n running, then deletes them all at once.
func densityOf(e engine, n int) (densityFigures, error) {
	var f densityFigures
	names := podNames("dense", n)
	files := make([]string, n)
	for i, name := range names {
		var err error
		if files[i], err = e.pod(name); err != nil {
			return f, err
		}
	}
	var err error
	if f.applyAll, err = timed(func() error { return each(files, 4, e.apply) }); err != nil {
		return f, err
	}
	if f.helpers, f.conmons, f.rssKB, err = e.footprint(); err != nil {
		return f, err
	}
	f.load = loadavg()
	f.delAll, err = timed(func() error { return e.del(names...) })
	return f, err
}

// each runs fn on every item with at most workers at once.
func each(items []string, workers int, fn func(string) error) error {
	errs := make([]error, len(items))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				errs[i] = fn(items[i])
			}
		})
	}
	for i := range items {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func timed(fn func() error) (time.Duration, error) {
	t0 := time.Now()
	err := fn()
	return time.Since(t0), err
}

func (b *bench) peerReport(got map[string]*peerSamples, density, parallel int) {
	d, m := got["podd"], got["podman"]
	pairs := []struct {
		name     string
		pd, pm   []time.Duration
		describe string
	}{
		{"apply-web-sync", d.apply, m.apply, "podctl apply vs podman kube play, until both containers run"},
		{"delete-web-sync", d.del, m.del, "podctl delete pod vs podman pod rm -f -t 0"},
		{"exec-true", d.exec, m.exec, "podctl exec web-sync -c web -- true vs podman exec web-sync-web true"},
		{fmt.Sprintf("apply-%d-parallel", parallel), d.par, m.par, fmt.Sprintf("%d clients at once, until the last returns", parallel)},
	}
	for _, p := range pairs {
		rd, rm := durations("podd "+p.name, p.pd), durations("podman "+p.name, p.pm)
		b.add(rd)
		b.add(rm)
		sd, sm := rd.stats(), rm.stats()
		b.info(p.name, "podman/podd %.1fx (medians %.1f ms / %.1f ms): %s", sm.median/sd.median, sm.median, sd.median, p.describe)
	}
	for _, e := range []struct {
		name string
		f    densityFigures
	}{{"podd", d.density}, {"podman", m.density}} {
		b.add(durations(fmt.Sprintf("%s apply-%d-pods-4clients", e.name, density), []time.Duration{e.f.applyAll}))
		b.add(durations(fmt.Sprintf("%s delete-all-%d", e.name, density), []time.Duration{e.f.delAll}))
		b.add(mbRow(fmt.Sprintf("%s engine-rss-%d-pods", e.name, density), e.f.rssKB))
	}
	b.info(fmt.Sprintf("density-%d", density), "engine RSS podd %.1f MB (podd itself) vs podman %.1f MB (%d conmons + %d infra processes, %.2f MB each): %.1fx",
		float64(d.density.rssKB)/1024, float64(m.density.rssKB)/1024, m.density.conmons, m.density.helpers-m.density.conmons,
		float64(m.density.rssKB)/1024/float64(max(1, m.density.helpers)), float64(m.density.rssKB)/float64(d.density.rssKB))
	b.info("helpers-per-container", "podd %d processes that are not containers for %d containers; podman %d (%.2f per container: a conmon per container, the infra one included, and a pause per pod)",
		d.density.helpers, density, m.density.helpers, float64(m.density.helpers)/float64(density))
	b.info(fmt.Sprintf("density-%d-times", density), "apply of %d pods with 4 clients: podd %.1f s, podman %.1f s (%.1fx); delete of all (podd: %d podctl at once; podman: one pod rm -f -t 0 of all): podd %.1f s, podman %.1f s (%.1fx); load %s / %s",
		density, d.density.applyAll.Seconds(), m.density.applyAll.Seconds(), m.density.applyAll.Seconds()/d.density.applyAll.Seconds(),
		deleteWorkers, d.density.delAll.Seconds(), m.density.delAll.Seconds(), m.density.delAll.Seconds()/d.density.delAll.Seconds(),
		d.density.load, m.density.load)
}
