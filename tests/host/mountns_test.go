package host

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// TestMountsDoNotGrowWithPods: every container starts with a copy of podd's mount namespace, so
// what podd mounts per pod makes each start slower as pods accumulate (issue 6: the 1000th
// apply as fast as the first). With 20 pods podd's mountinfo, and a new container's, must hold
// as many mounts as with 1: the pod namespaces are pinned in podd's pins namespace.
func TestMountsDoNotGrowWithPods(t *testing.T) {
	d := StartPodd(t)
	pod := func(i int) string {
		return strings.ReplaceAll(fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: m%d}
spec:
  containers:
  - {name: c, image: IMAGE, command: [testapp, sleep, "600"]}
`, i), "IMAGE", testImage)
	}
	d.Apply(pod(0))
	poddMounts := func() int { return countLines(t, "/proc/"+strconv.Itoa(d.PID())+"/mountinfo") }
	ctrMounts := func(i int) int {
		p := d.WaitPod(fmt.Sprintf("m%d", i), 5*time.Second, "running", func(p *corev1.Pod) error {
			if p.Status.Phase != corev1.PodRunning {
				return fmt.Errorf("phase %s", p.Status.Phase)
			}
			return nil
		})
		return countLines(t, "/proc/"+strconv.Itoa(containerPIDs(t, p)["c"])+"/mountinfo")
	}
	podd1, ctr1 := poddMounts(), ctrMounts(0)
	var docs []string
	for i := 1; i < 20; i++ {
		docs = append(docs, pod(i))
	}
	d.Apply(strings.Join(docs, "---\n"))
	if podd20, ctr20 := poddMounts(), ctrMounts(19); podd20 != podd1 || ctr20 != ctr1 {
		t.Errorf("mounts with 1 pod: podd %d, a container %d; with 20 pods: podd %d, a container %d; want no growth",
			podd1, ctr1, podd20, ctr20)
	}
	if m := d.pinMountsMatching(d.RunDir + "/ns/"); len(m) != 60 {
		t.Errorf("%d pins in podd's pins namespace, want 3 per pod (60)", len(m))
	}
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(data), "\n")
}
