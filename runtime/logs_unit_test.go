package runtime

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/podd/podd/podopts"
	corev1 "k8s.io/api/core/v1"
)

// Between a crash and the next run's start the restart count already names the next run, whose
// log does not exist yet: logs (and logs -f) show the latest run's, not an InternalError.
func TestLogsBetweenRuns(t *testing.T) {
	rt := &Runtime{opts: Options{Root: t.TempDir(), LogDir: t.TempDir()}, pods: map[string]*pod{}}
	in := &corev1.Pod{}
	in.Name, in.Namespace = "crash", "default"
	in.Spec.Containers = []corev1.Container{{Name: "c", Image: "/nonexistent"}}
	p := rt.newPod(in)
	rt.pods[key(in.Namespace, in.Name)] = p
	c := p.ctrs[0]
	c.restarts = 1 // run 1 is being prepared: only 0.log exists
	if err := os.MkdirAll(filepath.Dir(c.logPath(0)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.logPath(0), []byte("run 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, follow := range []bool{false, true} {
		var out bytes.Buffer
		err := rt.Logs(context.Background(), "default", "crash", podopts.LogOptions{Follow: follow, TailLines: -1}, &out)
		if err != nil || out.String() != "run 0\n" {
			t.Errorf("logs (follow %v) between runs: %q, %v; want run 0's log", follow, out.String(), err)
		}
	}
	var out bytes.Buffer
	if err := rt.Logs(context.Background(), "default", "crash", podopts.LogOptions{Previous: true, TailLines: -1}, &out); err != nil || out.String() != "run 0\n" {
		t.Errorf("logs --previous: %q, %v", out.String(), err)
	}
}

// The capture appends a batch of records in one write, which a reader can see half done:
// logs of a live container print its whole records only, never the half one as a plain line
// (TestLogDiskBounded saw "y\ny\n2026-12-01T14:..." in CI under the race detector).
func TestLogsLiveLeavesHalfRecord(t *testing.T) {
	rt := &Runtime{opts: Options{Root: t.TempDir(), LogDir: t.TempDir()}, pods: map[string]*pod{}}
	in := &corev1.Pod{}
	in.Name, in.Namespace = "spew", "default"
	in.Spec.Containers = []corev1.Container{{Name: "c", Image: "/nonexistent"}}
	p := rt.newPod(in)
	rt.pods[key(in.Namespace, in.Name)] = p
	c := p.ctrs[0]
	if err := os.MkdirAll(filepath.Dir(c.logPath(0)), 0o755); err != nil {
		t.Fatal(err)
	}
	const whole = "2026-12-01T14:00:00.000000000Z stdout F y\n2026-12-01T14:00:00.000000001Z stdout F y\n"
	half := whole + "2026-12-01T14:00:00.000000002Z std"
	if err := os.WriteFile(c.logPath(0), []byte(half), 0o644); err != nil {
		t.Fatal(err)
	}
	logs := func(tail int64) string {
		var out bytes.Buffer
		if err := rt.Logs(context.Background(), "default", "spew", podopts.LogOptions{TailLines: tail}, &out); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	c.status().State.Running = &corev1.ContainerStateRunning{}
	for _, tail := range []int64{-1, 1, 2} {
		want := map[int64]string{-1: "y\ny\n", 1: "y\n", 2: "y\ny\n"}[tail]
		if got := logs(tail); got != want {
			t.Errorf("logs --tail %d of a running container: %q, want %q", tail, got, want)
		}
	}
	// Once the run is over an unterminated last line is a plain log's, printed as it is.
	c.status().State.Running = nil
	if got := logs(-1); got != "y\ny\n2026-12-01T14:00:00.000000002Z std" {
		t.Errorf("logs of an ended run: %q", got)
	}
}
