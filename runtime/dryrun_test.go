package runtime

import (
	"context"
	"os"
	"testing"

	"github.com/podd/podd/podopts"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// A dry run answers what the write would, and leaves the pod, its record and its processes as
// they were: no new pod, no process started, no label or image changed.
func TestDryRunChangesNothing(t *testing.T) {
	rt, h := newTestRuntime(t)
	ctx := context.Background()
	in := testPod(t, "web", "a")
	out, res, err := rt.DryRun(ctx, in, podopts.WriteApply)
	if err != nil || res != podopts.ApplyCreated || out.UID == "" || out.Status.Phase != corev1.PodPending {
		t.Fatalf("dry run of a new pod: %s %v, uid %q phase %s", res, err, out.UID, out.Status.Phase)
	}
	if rt.lookup("default", "web") != nil || len(h.called("proc.start")) != 0 {
		t.Fatal("the dry run made the pod")
	}
	if ents, err := os.ReadDir(rt.podsDir()); len(ents) != 0 || (err != nil && !os.IsNotExist(err)) {
		t.Fatalf("the dry run left pod directories: %v %v", ents, err)
	}
	running(t, rt, h, in)
	changed := in.DeepCopy()
	changed.Labels = map[string]string{"app": "web"}
	changed.Spec.Containers[0].Image = in.Spec.Containers[0].Image + "-2"
	for _, c := range []struct {
		in   *corev1.Pod
		w    podopts.Write
		want podopts.ApplyResult
	}{
		{in, podopts.WriteApply, podopts.ApplyUnchanged},
		{changed, podopts.WriteApply, podopts.ApplyConfigured},
		{changed, podopts.WriteUpdate, podopts.ApplyConfigured},
	} {
		out, res, err := rt.DryRun(ctx, c.in, c.w)
		if err != nil || res != c.want {
			t.Fatalf("dry run %v: %s %v, want %s", c.w, res, err, c.want)
		}
		if res == podopts.ApplyConfigured && (out.Labels["app"] != "web" || out.Spec.Containers[0].Image != changed.Spec.Containers[0].Image || out.ResourceVersion != "2") {
			t.Errorf("dry run %v answers %v %s rv %s, want the updated pod", c.w, out.Labels, out.Spec.Containers[0].Image, out.ResourceVersion)
		}
	}
	cur, _ := rt.Get("default", "web")
	if len(cur.Labels) != 0 || cur.Spec.Containers[0].Image != in.Spec.Containers[0].Image || cur.ResourceVersion != "1" {
		t.Errorf("after the dry runs: labels %v image %s rv %s", cur.Labels, cur.Spec.Containers[0].Image, cur.ResourceVersion)
	}
	if n := len(h.called("proc.start")); n != 1 {
		t.Errorf("%d starts, want 1", n)
	}
	if _, _, err := rt.DryRun(ctx, in, podopts.WriteCreate); !apierrors.IsAlreadyExists(err) {
		t.Errorf("dry-run create of an existing pod: %v", err)
	}
	forbidden := in.DeepCopy()
	forbidden.Spec.RestartPolicy = corev1.RestartPolicyNever
	if _, _, err := rt.DryRun(ctx, forbidden, podopts.WriteApply); !apierrors.IsInvalid(err) {
		t.Errorf("dry run of a forbidden change: %v, want a 422", err)
	}
	gone := testPod(t, "db", "a")
	if _, _, err := rt.DryRun(ctx, gone, podopts.WriteUpdate); !apierrors.IsNotFound(err) {
		t.Errorf("dry-run update of a pod that is not there: %v", err)
	}
	deleteLeavesNothing(t, rt, h, "web")
}
