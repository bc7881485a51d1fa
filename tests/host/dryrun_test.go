package host

import (
	"strings"
	"testing"
)

// --dry-run=server against the real runtime: the lines kubectl prints, and nothing made or
// changed: no pod (AssertNoPods: no record, cgroup, veth, lease, mount or process), and a running
// pod's labels and processes as they were.
func TestDryRunMakesNothing(t *testing.T) {
	d := StartPodd(t)
	pod := updatePod(testImage, "{}", "sleep")
	if r := d.CtlStdin(pod, "apply", "-f", "-", "--dry-run=server"); r.Code != 0 || r.Stdout != "pod/upd created (server dry run)\n" {
		t.Fatalf("apply --dry-run=server: %s", r)
	}
	if r := d.Ctl("run", "solo", "--image="+testImage, "--dry-run=server"); r.Code != 0 || r.Stdout != "pod/solo created (server dry run)\n" {
		t.Fatalf("run --dry-run=server: %s", r)
	}
	d.AssertNoPods()
	d.Apply(pod)
	before := d.MustGetPod("upd")
	relabelled := updatePod(testImage, "{tier: x}", "sleep")
	if r := d.CtlStdin(relabelled, "apply", "-f", "-", "--dry-run=server"); r.Code != 0 || r.Stdout != "pod/upd configured (server dry run)\n" {
		t.Fatalf("re-apply --dry-run=server: %s", r)
	}
	forbidden := strings.Replace(pod, "terminationGracePeriodSeconds: 1", "terminationGracePeriodSeconds: 1\n  restartPolicy: Never", 1)
	if r := d.CtlStdin(forbidden, "apply", "-f", "-", "--dry-run=server"); r.Code != 1 || !strings.Contains(r.Stderr, "Forbidden: pod updates may not change fields") {
		t.Fatalf("forbidden change --dry-run=server: %s", r)
	}
	if r := d.Ctl("delete", "pod", "upd", "--dry-run=server"); r.Code != 0 || r.Stdout != "pod \"upd\" deleted (server dry run)\n" {
		t.Fatalf("delete --dry-run=server: %s", r)
	}
	after := d.MustGetPod("upd")
	if len(after.Labels) != 0 || after.ResourceVersion != before.ResourceVersion || after.DeletionTimestamp != nil ||
		after.Status.ContainerStatuses[0].ContainerID != before.Status.ContainerStatuses[0].ContainerID {
		t.Fatalf("the dry runs changed the pod: labels %v rv %s -> %s, deletion %v", after.Labels, before.ResourceVersion, after.ResourceVersion, after.DeletionTimestamp)
	}
	d.MustCtl("delete", "pod", "upd")
	d.AssertNoPods()
}
