package runtime

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/podd/podd/podopts"
	"github.com/podd/podd/runtime/logfile"
	"golang.org/x/sys/unix"
)

// A run's output still in its pipes when it exits (a process it left holds them here) reaches
// its log before the next run counts: `logs --previous` of the restarted container shows the
// whole ended run, never a part of it (TestStressFeatures saw a run's first 700 of 3000 lines).
func TestRestartAwaitsTheEndedRunsLog(t *testing.T) {
	defer func(b time.Duration) { captureDrainBound = b }(captureDrainBound)
	captureDrainBound = time.Hour
	rt, h := newTestRuntime(t)
	_, procs := running(t, rt, h, testPod(t, "web", "a"))
	c := rt.lookup("default", "web").ctrs[0]
	c.p.mu.Lock()
	ended := c.log
	c.p.mu.Unlock()
	w, err := os.OpenFile(c.fifoPath(logfile.Stdout), os.O_WRONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	procs["a"].end(exitCode(1))
	next := make(chan *fakeProc, 1)
	go func() { next <- nextStart(t, h) }()
	captureDone := false
	select {
	case <-next: // before the late output
		select {
		case <-ended.done:
			captureDone = true
		default:
		}
		w.Close()
	case <-time.After(2 * time.Second): // the restart waits: the late output comes, the pipe ends
		if _, err := w.WriteString("late line\n"); err != nil {
			t.Fatal(err)
		}
		w.Close()
		<-next
		captureDone = true
		var out bytes.Buffer
		err := rt.Logs(context.Background(), "default", "web", podopts.LogOptions{Previous: true, TailLines: -1}, &out)
		if err != nil || !strings.HasSuffix(out.String(), "late line\n") {
			t.Errorf("logs --previous once the next run started: %q, %v; want the late line", out.String(), err)
		}
	}
	if !captureDone {
		t.Error("the container restarted while the ended run's output was still being captured")
	}
	deletePod(t, rt, "web", 0)
}
