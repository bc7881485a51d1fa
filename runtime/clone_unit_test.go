package runtime

import (
	"context"
	"errors"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// Apply clones each container's process once the sandbox's namespaces are pinned, alongside
// the network's setup, and gives it its config only once the sandbox is ready (the pod IP is in
// env). Each process is cloned and started once.
func TestApplyClonesBeforeTheConfig(t *testing.T) {
	rt, h := newTestRuntime(t)
	in := testPod(t, "web", "a", "b")
	in.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{
		FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}}}
	out := apply(t, rt, in)
	cg := "cgroup/pods/" + string(out.UID)
	for _, c := range []string{"a", "b"} {
		for _, call := range []string{"proc.clone ", "proc.start "} {
			if n := h.count(call + cg + "/" + c); n != 1 {
				t.Errorf("%s%s/%s called %d times; calls %v", call, cg, c, n, h.calls)
			}
		}
	}
	if n := len(h.called("proc.abort")); n != 0 {
		t.Errorf("%d clones aborted; calls %v", n, h.calls)
	}
	p := rt.lookup("default", "web")
	proc := (fakeProcs{h}).proc(p.ctrs[0].proc.Pid)
	if !slices.Contains(proc.cfg.Env, "POD_IP="+out.Status.PodIP) || out.Status.PodIP == "" {
		t.Errorf("env %q, pod IP %q", proc.cfg.Env, out.Status.PodIP)
	}
	deletePod(t, rt, "web", 0)
	if left := leftovers(t, rt, h); len(left) != 0 {
		t.Errorf("delete left %v", left)
	}
}

// When the network fails after the namespaces were pinned, the processes cloned meanwhile are
// killed before their config: none was started and nothing is left.
func TestApplyKillsEarlyClonesOnFailure(t *testing.T) {
	rt, h := newTestRuntime(t)
	injected := h.failOn("net.attach")
	if _, _, err := rt.Apply(context.Background(), testPod(t, "web", "a", "b")); !errors.Is(err, injected) {
		t.Fatalf("apply: %v, want the injected failure", err)
	}
	clones, aborts := h.called("proc.clone"), h.called("proc.abort")
	if len(clones) != 2 || len(aborts) != 2 || len(h.called("proc.start")) != 0 {
		t.Errorf("clones %v, aborts %v; calls %v", clones, aborts, h.calls)
	}
	if left := leftovers(t, rt, h); len(left) != 0 {
		t.Errorf("left %v", left)
	}
}
