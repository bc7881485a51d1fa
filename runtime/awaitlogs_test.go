package runtime

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/podd/podd/runtime/logfile"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestAwaitLogsClosesLateCaptures: a capture that has not ended by the teardown's bound gets
// its log file closed, so that its late output (which could rotate, making a file) is dropped
// instead of landing in a log directory the sandbox is removing. One that ended is left alone.
func TestAwaitLogsClosesLateCaptures(t *testing.T) {
	dir := t.TempDir()
	p := &pod{obj: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web"}}}
	late, done := &runLog{done: make(chan struct{})}, &runLog{done: make(chan struct{})}
	close(done.done)
	for i, l := range []*runLog{late, done} {
		w, err := logfile.OpenWriter(filepath.Join(dir, []string{"late.log", "done.log"}[i]), 64, 5, t.Logf)
		if err != nil {
			t.Fatal(err)
		}
		l.w = w
		p.ctrs = append(p.ctrs, &container{p: p, spec: &corev1.Container{Name: []string{"late", "done"}[i]}, log: l})
	}
	start := time.Now()
	p.awaitLogs(50 * time.Millisecond)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("awaitLogs took %v", d)
	}
	for range 3 { // each past the 64-byte size: a write would rotate
		late.w.Write([]byte("2026-12-01T00:00:00.000000000Z stdout F some late output of the container\n"), 1)
	}
	if late.w.Dropped() != 3 {
		t.Errorf("late capture: %d records dropped, want 3 (its file closed)", late.w.Dropped())
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("log directory holds %d files after the bound, want 2 (no rotation): %v", len(ents), ents)
	}
	done.w.Write([]byte("x\n"), 1)
	if done.w.Dropped() != 0 {
		t.Errorf("an ended capture's writer was closed")
	}
}
