package runtime

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// An emptyDir over its sizeLimit gets the pod evicted: Failed/Evicted, every container killed
// and none restarted, an Evicted event; the pod stays listed until deleted.
func TestEmptyDirOverLimitEvicts(t *testing.T) {
	rt, h := newTestRuntime(t)
	in := testPod(t, "big", "a")
	limit := resource.MustParse("16Ki")
	in.Spec.Volumes = []corev1.Volume{
		{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: &limit}}},
		{Name: "mem", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}},
	}
	if !hasLimitedEmptyDir(in) || len(limitedVolumes(in)) != 1 {
		t.Fatalf("limited volumes %v", limitedVolumes(in))
	}
	in.Spec.Volumes = in.Spec.Volumes[:1] // a tmpfs needs root
	apply(t, rt, in)
	proc := nextStart(t, h)
	p := rt.lookup("default", "big")
	if !p.watchable() {
		t.Fatal("a running pod is not watched")
	}
	vols := limitedVolumes(p.obj)
	p.checkEmptyDirs(vols)
	if p.evicted() {
		t.Fatal("evicted under the limit")
	}
	must(t, os.MkdirAll(filepath.Join(p.volumeDir("scratch"), "sub"), 0o755))
	must(t, os.WriteFile(filepath.Join(p.volumeDir("scratch"), "sub", "fill"), make([]byte, 64<<10), 0o644))
	for i := 0; i < 3 && !p.evicted(); i++ { // the first walk may have been done before the write
		p.checkEmptyDirs(vols)
	}
	got, _ := rt.Get("default", "big")
	if got.Status.Phase != corev1.PodFailed || got.Status.Reason != reasonEvicted {
		t.Fatalf("status %s %s %q", got.Status.Phase, got.Status.Reason, got.Status.Message)
	}
	waitFor(t, func() bool { return ctrStatus(t, rt, "big", "a").State.Terminated != nil })
	if !proc.done.Load() {
		t.Error("the container was not killed")
	}
	select {
	case p := <-h.starts:
		t.Errorf("an evicted container was restarted: %v", p.pid)
	case <-time.After(50 * time.Millisecond):
	}
	p.checkEmptyDirs(vols) // evicted already: nothing runs, nothing to do
	events, _ := rt.Events("default")
	if e := events[len(events)-1]; e.Reason != reasonEvicted || e.Type != corev1.EventTypeWarning {
		t.Errorf("last event %+v", e)
	}
	deleteLeavesNothing(t, rt, h, "big")
}

// The watcher finds the pods to measure once a second and forgets deleted ones.
func TestWatchEmptyDirs(t *testing.T) {
	rt, h := newTestRuntime(t)
	in := testPod(t, "big", "a")
	limit := resource.MustParse("1")
	in.Spec.Volumes = []corev1.Volume{{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: &limit}}}}
	apply(t, rt, in)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { rt.watchEmptyDirs(ctx); close(done) }()
	waitFor(t, func() bool { return rt.lookup("default", "big").evicted() })
	deletePod(t, rt, "big", 0)
	time.Sleep(duInterval + 100*time.Millisecond) // one more round, without the pod
	cancel()
	<-done
	if left := leftovers(t, rt, h); len(left) != 0 {
		t.Errorf("left %v", left)
	}
}

// The pod cgroup's cpu.max is lifted while a container sets up and written back after; the
// container's own limit is written once its command runs.
func TestCPULimitLiftedDuringSetup(t *testing.T) {
	rt, h := newTestRuntime(t)
	in := testPod(t, "slow", "a")
	in.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m")}
	out := apply(t, rt, in)
	pod := "cgroup/pods/" + string(out.UID)
	want := []string{"cg.cpumax " + pod + "=max 100000", "proc.start " + pod + "/a",
		"cg.cpumax " + pod + "/a=1000 100000", "cg.cpumax " + pod + "=1000 100000"}
	for i := 1; i < len(want); i++ {
		if !h.before(want[i-1], want[i]) {
			t.Errorf("%q not before %q: %v", want[i-1], want[i], h.calls)
		}
	}
	if r := rt.lookup("default", "slow").ctrs[0].setupResources(); r.CPUMax != "max 100000" {
		t.Errorf("setup cpu.max %q", r.CPUMax)
	}
	deletePod(t, rt, "slow", 0)
}
