package runtime

import (
	"math"
	"runtime"
	"strconv"
	"testing"
)

// maxRunningPodBytes bounds what a running one-container pod costs podd in heap and goroutine
// stacks (its state, its supervisor, its log capture), here with the fake host's own records
// (~3 kB): the density target is 1000 such pods in < 60 MB of RSS, the binary, podd's idle heap
// and the garbage collector's headroom included.
const maxRunningPodBytes = 28 << 10

// TestRunningPodBytes: podd's memory grows by less than maxRunningPodBytes per running pod
// (on the fake host, whose processes hold their stdout and stderr until they end: the log
// capture is real, FIFOs and all). With two goroutines and two read buffers per container plus
// a goroutine joining them (before logfile.Poller) a pod took 39 kB here; 21.7 kB after.
func TestRunningPodBytes(t *testing.T) {
	const n, rounds = 100, 3
	rt, h := newTestRuntime(t)
	running(t, rt, h, testPod(t, "warm-up", "app")) // one-time costs: caches, the log poller
	img := testPod(t, "x", "app").Spec.Containers[0].Image
	// The least of a few rounds: garbage or goroutines other tests of the package leave behind
	// can only add to a round (a CI run measured 30.9 kB once, where rounds give 19-25 kB).
	per := math.Inf(1)
	for r := range rounds {
		before := inUse()
		for i := range n {
			in := testPod(t, "dense-"+strconv.Itoa(r)+"-"+strconv.Itoa(i), "app")
			in.Spec.Containers[0].Image = img // one image directory (t.TempDir allocates too)
			running(t, rt, h, in)
		}
		per = min(per, float64(int64(inUse())-int64(before))/n)
	}
	t.Logf("%.0f bytes (heap and stacks) per running one-container pod (least of %d rounds)", per, rounds)
	if per > maxRunningPodBytes {
		t.Errorf("a running one-container pod costs %.0f bytes of heap and stacks, want < %d", per, maxRunningPodBytes)
	}
}

func inUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}
