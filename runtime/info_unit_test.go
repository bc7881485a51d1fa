package runtime

import (
	"testing"
	"time"

	"github.com/podd/podd/podopts"
)

func TestSummarizeNearestRank(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	got := *summarize(d)
	want := podopts.Latency{Count: 100, P50: 50 * time.Millisecond, P99: 99 * time.Millisecond, Max: 100 * time.Millisecond}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if one := *summarize([]time.Duration{3}); one.P50 != 3 || one.P99 != 3 || one.Count != 1 {
		t.Fatalf("one sample: %+v", one)
	}
}

// Without a watcher (unit tests, or when neither mechanism opened) info says none; the probe
// latency line is user-space timing.
func TestInfoWatchers(t *testing.T) {
	rt, _ := newTestRuntime(t)
	in := rt.Info()
	if len(in.Watchers) != 2 || in.Watchers[0] != (podopts.Watcher{Name: "oom-watch", Mechanism: "none"}) ||
		in.Watchers[1] != (podopts.Watcher{Name: "probe-latency", Mechanism: "user-space timing"}) {
		t.Fatalf("watchers %+v", in.Watchers)
	}
	rt.oom = &oomWatch{w: newFakeWatcher(), why: "no kernel BTF"}
	if w := rt.Info().Watchers[0]; w.Mechanism != "fake" || w.Fallback != "no kernel BTF" {
		t.Fatalf("oom watcher %+v", w)
	}
}
