package runtime

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/podd/podd/podopts"
)

// Usage reads each running container's cgroup; one without readable files is left out.
func TestUsageReadsRunningContainers(t *testing.T) {
	rt, _ := newTestRuntime(t)
	apply(t, rt, testPod(t, "web", "app", "side"))
	c := rt.lookup("default", "web").ctrs[0]
	for name, s := range map[string]string{"cpu.stat": "usage_usec 2500\n", "memory.current": "4096\n", "memory.stat": "inactive_file 1024\n"} {
		if err := os.WriteFile(filepath.Join(c.cgroup(), name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := rt.Usage("default")
	want := []podopts.PodUsage{{Namespace: "default", Name: "web", Containers: []podopts.ContainerUsage{
		{Name: "app", CPUUsec: 2500, MemoryCurrent: 4096, WorkingSet: 3072}}}}
	if len(got.Pods) != 1 || len(got.Pods[0].Containers) != 1 || got.Pods[0].Containers[0] != want[0].Containers[0] || got.Time.IsZero() {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if other := rt.Usage("other"); len(other.Pods) != 0 {
		t.Fatalf("namespace other: %+v", other)
	}
}
