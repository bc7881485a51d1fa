package runtime

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/podd/podd/podopts"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func applyResult(t *testing.T, rt *Runtime, in *corev1.Pod) (*corev1.Pod, podopts.ApplyResult) {
	t.Helper()
	out, res, err := rt.Apply(context.Background(), in)
	if err != nil {
		t.Fatalf("apply %s: %v", in.Name, err)
	}
	return out, res
}

// Re-applying with new labels and annotations updates them at once (configured), in the record
// too; nothing restarts. Before updates, the re-apply answered unchanged and dropped them.
func TestReapplyUpdatesLabels(t *testing.T) {
	rt, h := newTestRuntime(t)
	in := testPod(t, "web", "a")
	running(t, rt, h, in)
	changed := in.DeepCopy()
	changed.Labels = map[string]string{"app": "web"}
	changed.Annotations = map[string]string{"note": "x"}
	out, res := applyResult(t, rt, changed)
	if res != podopts.ApplyConfigured || out.Labels["app"] != "web" || out.Annotations["note"] != "x" || out.ResourceVersion != "2" {
		t.Fatalf("re-apply with labels: %s, %v %v rv %s", res, out.Labels, out.Annotations, out.ResourceVersion)
	}
	if _, res := applyResult(t, rt, changed); res != podopts.ApplyUnchanged {
		t.Errorf("the same again: %s", res)
	}
	p := rt.lookup("default", "web")
	data, err := os.ReadFile(p.stateFile())
	must(t, err)
	var rec corev1.Pod
	must(t, json.Unmarshal(data, &rec))
	if rec.Labels["app"] != "web" || rec.Annotations["note"] != "x" {
		t.Errorf("record: %v %v", rec.Labels, rec.Annotations)
	}
	if n := len(h.called("proc.start")); n != 1 {
		t.Errorf("%d starts, want 1", n)
	}
	deleteLeavesNothing(t, rt, h, "web")
}

// A new image restarts that container only, kubelet's way: Killing "definition changed", a new
// run with the new image and restartCount+1, even with restartPolicy Never.
func TestUpdateImageRestartsContainer(t *testing.T) {
	rt, h := newTestRuntime(t)
	in := testPod(t, "web", "a", "b")
	in.Spec.RestartPolicy = corev1.RestartPolicyNever
	_, procs := running(t, rt, h, in)
	changed := in.DeepCopy()
	changed.Spec.Containers[1].Image = t.TempDir()
	if _, res := applyResult(t, rt, changed); res != podopts.ApplyConfigured {
		t.Fatalf("image update: %s", res)
	}
	if next := nextStart(t, h); next.name != "b" {
		t.Fatalf("restarted %s, want b", next.name)
	}
	waitFor(t, func() bool { return ctrStatus(t, rt, "web", "b").RestartCount == 1 })
	b := ctrStatus(t, rt, "web", "b")
	if b.State.Running == nil || b.Image != changed.Spec.Containers[1].Image || b.LastTerminationState.Terminated == nil {
		t.Errorf("b after the update: %+v", b)
	}
	if a := ctrStatus(t, rt, "web", "a"); a.RestartCount != 0 || a.State.Running == nil || !procs["b"].done.Load() || procs["a"].done.Load() {
		t.Errorf("a after the update: %+v", a)
	}
	events, _ := rt.Events("")
	found := false
	for _, e := range events {
		found = found || e.Reason == reasonKilling && e.Message == "Container b definition changed, will be restarted"
	}
	if !found {
		t.Errorf("no Killing event: %+v", events)
	}
	deleteLeavesNothing(t, rt, h, "web")
}

// Other spec changes are refused with the API server's 422; Update of a missing pod is a 404.
func TestUpdateForbidden(t *testing.T) {
	rt, h := newTestRuntime(t)
	in := testPod(t, "web", "a")
	running(t, rt, h, in)
	changed := in.DeepCopy()
	changed.Spec.Containers[0].Command = []string{"/bin/other"}
	changed.Labels = map[string]string{"app": "web"}
	_, _, err := rt.Apply(context.Background(), changed)
	want := `Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than ` + "`spec.containers[*].image`"
	if !apierrors.IsInvalid(err) || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "changed: spec.containers[0] (a)") {
		t.Errorf("a changed command: %v", err)
	}
	if got, _ := rt.Get("default", "web"); got.Labels != nil {
		t.Errorf("a refused update changed the labels: %v", got.Labels)
	}
	missing := testPod(t, "nope", "a")
	if _, _, err := rt.Update(context.Background(), missing); !apierrors.IsNotFound(err) {
		t.Errorf("update of a missing pod: %v", err)
	}
	deleteLeavesNothing(t, rt, h, "web")
}
