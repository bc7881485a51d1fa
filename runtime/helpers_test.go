package runtime

import (
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// The helpers the runtime unit tests share, on the fakes of fakes_test.go and fakeos_test.go.

// running applies a pod and returns its processes by container name.
func running(t *testing.T, rt *Runtime, h *fakeHost, in *corev1.Pod) (*corev1.Pod, map[string]*fakeProc) {
	t.Helper()
	out := apply(t, rt, in)
	procs := map[string]*fakeProc{}
	for range in.Spec.Containers {
		p := nextStart(t, h)
		procs[p.name] = p
	}
	return out, procs
}

// restartedPodd applies pod web of the containers ctrs on a fake podd, then restarts podd (the
// new one has not recovered yet): it returns the new podd, the pod as applied and its processes
// by container name; those of the containers in alive are found in their cgroups by the new podd.
func restartedPodd(t *testing.T, ctrs []string, alive ...string) (*Runtime, *fakeHost, *corev1.Pod, map[string]*fakeProc) {
	t.Helper()
	rt, h := newTestRuntime(t)
	out, procs := running(t, rt, h, testPod(t, "web", ctrs...))
	for _, name := range alive {
		h.survives(procs[name])
	}
	return h.restart(rt), h, out, procs
}

// deleteLeavesNothing deletes the pod at once and checks that nothing of it is left.
func deleteLeavesNothing(t *testing.T, rt *Runtime, h *fakeHost, name string) {
	t.Helper()
	deletePod(t, rt, name, 0)
	if left := leftovers(t, rt, h); len(left) != 0 {
		t.Errorf("left %v", left)
	}
}

// nextStart waits for the next container process the fake starts.
func nextStart(t *testing.T, h *fakeHost) *fakeProc {
	t.Helper()
	select {
	case p := <-h.starts:
		return p
	case <-time.After(10 * time.Second):
		t.Fatal("no container started")
		return nil
	}
}

func ctrStatus(t *testing.T, rt *Runtime, pod, ctr string) corev1.ContainerStatus {
	t.Helper()
	got, err := rt.Get("default", pod)
	if err != nil {
		t.Fatal(err)
	}
	for _, cs := range got.Status.ContainerStatuses {
		if cs.Name == ctr {
			return cs
		}
	}
	t.Fatalf("no container %s", ctr)
	return corev1.ContainerStatus{}
}

func status(t *testing.T, rt *Runtime, name string) corev1.ContainerStatus {
	t.Helper()
	p := rt.lookup("default", name)
	p.mu.Lock()
	defer p.mu.Unlock()
	return *p.ctrs[0].status().DeepCopy()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
