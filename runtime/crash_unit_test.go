package runtime

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Two goroutines each change the pod and save it, over and over: the record on disk must always
// end with the newest status, never an older one renamed last.
func TestRecordNewestStatusWins(t *testing.T) {
	rt := &Runtime{opts: Options{Root: t.TempDir()}}
	p := &pod{rt: rt, obj: &corev1.Pod{}}
	p.obj.UID = "0badc0de-0000-4000-8000-000000000000"
	p.sandbox = rt.newSandbox(p.obj)
	if err := os.MkdirAll(p.dir(), 0o700); err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 300; round++ {
		var wg sync.WaitGroup
		for w := 0; w < 2; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 5; i++ {
					p.mu.Lock()
					n, _ := strconv.Atoi(p.obj.ResourceVersion)
					p.obj.ResourceVersion = strconv.Itoa(n + 1)
					p.mu.Unlock()
					p.save()
				}
			}()
		}
		wg.Wait()
		rec, err := readRecord(p.stateFile())
		if err != nil {
			t.Fatal(err)
		}
		if rec.ResourceVersion != p.obj.ResourceVersion {
			t.Fatalf("round %d: record on disk has version %s, the pod %s: an older status won", round, rec.ResourceVersion, p.obj.ResourceVersion)
		}
	}
}

// An apply whose client is already gone does nothing and says why.
func TestApplyCancelledBeforeStart(t *testing.T) {
	rt := &Runtime{opts: Options{Root: t.TempDir()}, pods: map[string]*pod{}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := &corev1.Pod{}
	in.Name, in.Namespace = "web", "default"
	in.Spec.Containers = []corev1.Container{{Name: "c", Image: "/nonexistent"}}
	_, _, err := rt.Apply(ctx, in)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply with a cancelled context: %v, want context.Canceled", err)
	}
	if len(rt.pods) != 0 {
		t.Errorf("the cancelled apply left pod %v", rt.pods)
	}
	if entries, _ := os.ReadDir(filepath.Join(rt.opts.Root, "pods")); len(entries) != 0 {
		t.Errorf("the cancelled apply left %v", entries)
	}
}

func TestGraceSecondsNeverOverflow(t *testing.T) {
	for _, tc := range []struct {
		in   int64
		want time.Duration
	}{
		{30, 30 * time.Second},
		{-5, 0},
		{math.MaxInt64, time.Duration(math.MaxInt64/int64(time.Second)) * time.Second},
	} {
		if got := seconds(tc.in); got != tc.want || got < 0 {
			t.Errorf("seconds(%d) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
