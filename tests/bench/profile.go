package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// debugSocket is where podd serves its Go profiles when the bench runs with -profile.
func (e *env) debugSocket() string { return filepath.Join(e.dir, "debug.sock") }

// snapshot saves what podd's memory is made of now under the -profile directory, as
// NAME.heap (a pprof heap profile: go tool pprof -sample_index=inuse_space), NAME.heap.txt
// (the same as text, ending with runtime.MemStats: stacks, GC metadata), NAME.goroutine (the
// goroutines' stacks) and NAME.smaps (/proc/PID/smaps_rollup: anonymous vs file-backed
// RSS). Nothing without -profile. Fetching a profile allocates in podd: take RSS before.
func (b *bench) snapshot(name string) error {
	if b.env.profileDir == "" {
		return nil
	}
	dir := b.env.profileDir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	smaps, err := os.ReadFile("/proc/" + strconv.Itoa(b.podd.pid) + "/smaps_rollup")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, name+".smaps"), smaps, 0o644); err != nil {
		return err
	}
	for file, path := range map[string]string{".heap": "heap", ".heap.txt": "heap?debug=1", ".goroutine": "goroutine?debug=1"} {
		if err := b.fetchProfile(path, filepath.Join(dir, name+file)); err != nil {
			return err
		}
	}
	fmt.Printf("profile %s saved in %s\n", name, dir)
	return nil
}

func (b *bench) fetchProfile(path, file string) error {
	sock := b.env.debugSocket()
	c := http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}
	resp, err := c.Get("http://podd/debug/pprof/" + path)
	if err != nil {
		return fmt.Errorf("profile %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile %s: %s", path, resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("profile %s: %w", path, err)
	}
	return f.Close()
}

// cpuProfile saves podd's CPU profile over the next d (less a second, so it ends before the
// run) as NAME.cpu under the -profile directory (go tool pprof build/podd NAME.cpu), in the
// background on wg; the error it returns is set once wg is done. Nothing without -profile.
func (b *bench) cpuProfile(wg *sync.WaitGroup, name string, d time.Duration) *error {
	var err error
	if b.env.profileDir == "" {
		return &err
	}
	secs := max(1, int(d.Seconds())-1)
	wg.Go(func() {
		if err = os.MkdirAll(b.env.profileDir, 0o755); err != nil {
			return
		}
		file := filepath.Join(b.env.profileDir, name+".cpu")
		if err = b.fetchProfile("profile?seconds="+strconv.Itoa(secs), file); err == nil {
			fmt.Printf("profile %s saved in %s\n", name+".cpu", b.env.profileDir)
		}
	})
	return &err
}
