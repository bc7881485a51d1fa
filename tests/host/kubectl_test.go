package host

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/podd/podd/internal/testutil"

	corev1 "k8s.io/api/core/v1"
)

// updatePod is pod upd running testapp sleep from image, with labels (a YAML flow map).
func updatePod(image, labels, command string) string {
	return `apiVersion: v1
kind: Pod
metadata: {name: upd, labels: ` + labels + `}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: c, image: ` + image + `, command: [testapp, ` + command + `, "600"]}
`
}

// Re-applying a pod updates what Kubernetes lets an update change: labels at once
// (configured), the image by restarting that container (restartCount+1, the new image in the
// status); other changes are refused with the API server's message. label and annotate patch.
func TestReapplyLabelsAndImage(t *testing.T) {
	d := StartPodd(t)
	d.Apply(updatePod(testImage, "{}", "sleep"))
	before := d.MustGetPod("upd")
	if out := d.MustCtl("label", "pod", "upd", "tier=x"); out != "pod/upd labeled\n" {
		t.Errorf("label: %q", out)
	}
	if r := d.Ctl("label", "pod", "upd", "tier=y"); r.Code != 1 || r.Stderr != "error: 'tier' already has a value (x), and --overwrite is false\n" {
		t.Errorf("label without --overwrite: %s", r)
	}
	if out := d.MustCtl("annotate", "pod/upd", "note=hi"); out != "pod/upd annotated\n" {
		t.Errorf("annotate: %q", out)
	}
	if out := d.MustCtl("get", "pod", "upd", "-o", "json"); !strings.Contains(out, `"tier": "x"`) || !strings.Contains(out, `"note": "hi"`) {
		t.Errorf("after label and annotate:\n%s", out)
	}
	r := d.CtlStdin(updatePod(testImage, "{app: web}", "sleep"), "apply", "-f", "-")
	if r.Code != 0 || r.Stdout != "pod/upd configured\n" {
		t.Fatalf("re-apply with a label: %s", r)
	}
	if p := d.MustGetPod("upd"); p.Labels["app"] != "web" || containerPIDs(t, p)["c"] != containerPIDs(t, before)["c"] {
		t.Errorf("labels %v, the container restarted: %v", p.Labels, containerPIDs(t, p))
	}
	dirImage := strings.TrimPrefix(strings.TrimSuffix(testImage, ":latest"), "oci:") + ".rootfs"
	r = d.CtlStdin(updatePod(dirImage, "{app: web}", "sleep"), "apply", "-f", "-")
	if r.Code != 0 || r.Stdout != "pod/upd configured\n" {
		t.Fatalf("re-apply with an image: %s", r)
	}
	d.WaitPod("upd", 30*time.Second, "restarted with the new image", restartedWith(dirImage))
	r = d.CtlStdin(updatePod(dirImage, "{app: web}", "exit"), "apply", "-f", "-")
	want := `Error from server (Invalid): error when applying "-": Pod "upd" is invalid: spec: Forbidden: pod updates may not change fields other than ` + "`spec.containers[*].image`"
	if r.Code != 1 || !strings.HasPrefix(r.Stderr, want) {
		t.Errorf("a forbidden change: %s", r)
	}
	if r = d.CtlStdin(updatePod(dirImage, "{app: web}", "sleep"), "apply", "-f", "-"); r.Stdout != "pod/upd unchanged\n" {
		t.Errorf("the same again: %s", r)
	}
	d.MustCtl("delete", "pod", "upd")
}

// restartedWith: the pod's first container runs image, restarted once for it.
func restartedWith(image string) func(*corev1.Pod) error {
	return func(p *corev1.Pod) error {
		cs := p.Status.ContainerStatuses[0]
		if cs.RestartCount != 1 || cs.State.Running == nil || cs.Image != image {
			return fmt.Errorf("restarts %d, image %s, state %+v", cs.RestartCount, cs.Image, cs.State)
		}
		return nil
	}
}

// kubectl apply's three-way merge of labels and annotations: what `label` and `annotate` added
// (never in an applied manifest) survives a re-apply; what an earlier manifest had and the new
// one drops is removed; the manifest's own values win.
func TestReapplyKeepsLabelsAddedByLabel(t *testing.T) {
	d := StartPodd(t)
	d.Apply(updatePod(testImage, "{app: web, old: x}", "sleep"))
	d.MustCtl("label", "pod", "upd", "tier=x")
	d.MustCtl("annotate", "pod", "upd", "note=hi")
	r := d.CtlStdin(updatePod(testImage, "{app: web, old: x}", "sleep"), "apply", "-f", "-")
	if r.Code != 0 || r.Stdout != "pod/upd unchanged\n" {
		t.Errorf("the same manifest again: %s", r)
	}
	p := d.MustGetPod("upd")
	if p.Labels["tier"] != "x" || p.Annotations["note"] != "hi" {
		t.Errorf("after re-applying the same manifest: labels %v, annotations %v", p.Labels, p.Annotations)
	}
	r = d.CtlStdin(updatePod(testImage, "{app: db}", "sleep"), "apply", "-f", "-")
	if r.Code != 0 || r.Stdout != "pod/upd configured\n" {
		t.Fatalf("re-apply with labels changed: %s", r)
	}
	p = d.MustGetPod("upd")
	want := map[string]string{"app": "db", "tier": "x"}
	if fmt.Sprint(p.Labels) != fmt.Sprint(want) || p.Annotations["note"] != "hi" {
		t.Errorf("labels %v (want %v), annotations %v", p.Labels, want, p.Annotations)
	}
	if !strings.Contains(p.Annotations["kubectl.kubernetes.io/last-applied-configuration"], `"app":"db"`) {
		t.Errorf("last-applied-configuration: %v", p.Annotations)
	}
	d.MustCtl("delete", "pod", "upd")
}

// initPodImages is pod initimg with a regular init container, a sidecar and an app container,
// the init containers running image.
func initPodImages(image string) string {
	return `apiVersion: v1
kind: Pod
metadata: {name: initimg}
spec:
  terminationGracePeriodSeconds: 1
  initContainers:
  - {name: once, image: ` + image + `, command: [testapp, exit, "0"]}
  - {name: side, image: ` + image + `, restartPolicy: Always, command: [testapp, sleep, "600"]}
  containers:
  - {name: app, image: ` + testImage + `, command: [testapp, sleep, "600"]}
`
}

// An init container's image may change (the API server allows it), and the kubelet acts on it
// as computePodActions does: a running sidecar is restarted with the new image ("Init container
// side definition changed"); a regular init container that completed is not run again (its next
// run, if any, takes the new image); the app container goes on. It said `unchanged`.
func TestReapplyInitContainerImage(t *testing.T) {
	d := StartPodd(t)
	d.Apply(initPodImages(testImage))
	before := d.WaitPod("initimg", 30*time.Second, "running", podRunning)
	dirImage := strings.TrimPrefix(strings.TrimSuffix(testImage, ":latest"), "oci:") + ".rootfs"
	r := d.CtlStdin(initPodImages(dirImage), "apply", "-f", "-")
	if r.Code != 0 || r.Stdout != "pod/initimg configured\n" {
		t.Fatalf("re-apply with new init images: %s", r)
	}
	p := d.WaitPod("initimg", 30*time.Second, "the sidecar restarted with the new image", func(p *corev1.Pod) error {
		s := p.Status.InitContainerStatuses[1]
		if s.RestartCount != 1 || s.State.Running == nil || s.Image != dirImage {
			return fmt.Errorf("sidecar: restarts %d, image %s, state %+v", s.RestartCount, s.Image, s.State)
		}
		return nil
	})
	for i, c := range p.Spec.InitContainers {
		if c.Image != dirImage {
			t.Errorf("spec.initContainers[%d].image %s", i, c.Image)
		}
	}
	if s := p.Status.InitContainerStatuses[0]; s.RestartCount != 0 || s.State.Terminated == nil || s.State.Terminated.Reason != "Completed" {
		t.Errorf("the completed init container ran again: %+v", s)
	}
	if containerPIDs(t, p)["app"] != containerPIDs(t, before)["app"] {
		t.Errorf("the app container restarted")
	}
	if out := d.MustCtl("get", "events", "--field-selector", "involvedObject.name=initimg"); !strings.Contains(out, "Init container side definition changed") {
		t.Errorf("events:\n%s", out)
	}
	if r := d.CtlStdin(initPodImages(dirImage), "apply", "-f", "-"); r.Stdout != "pod/initimg unchanged\n" {
		t.Errorf("the same again: %s", r)
	}
	d.MustCtl("delete", "pod", "initimg")
}

// podctl patch against podd: a strategic merge patch (kubectl's default) changes one
// container's image by its name, and that container restarts with it; a JSON patch adds a
// label without a restart; a patch changing what an update may not is refused with the API
// server's message, and one whose "test" fails names why; the pod runs on.
func TestPatchImageAndLabels(t *testing.T) {
	d := StartPodd(t)
	d.Apply(updatePod(testImage, "{}", "sleep"))
	dirImage := strings.TrimPrefix(strings.TrimSuffix(testImage, ":latest"), "oci:") + ".rootfs"
	out := d.MustCtl("patch", "pod", "upd", "-p", `{"spec":{"containers":[{"name":"c","image":"`+dirImage+`"}]}}`)
	if out != "pod/upd patched\n" {
		t.Errorf("patch the image: %q", out)
	}
	p := d.WaitPod("upd", 30*time.Second, "restarted with the new image", restartedWith(dirImage))
	out = d.MustCtl("patch", "pod/upd", "--type", "json", "-p", `[{"op":"add","path":"/metadata/labels","value":{"tier":"x"}}]`)
	if out != "pod/upd patched\n" {
		t.Errorf("patch a label: %q", out)
	}
	if r := d.Ctl("patch", "pod", "upd", "--type", "merge", "-p", `{"spec":{"restartPolicy":"Never"}}`); r.Code != 1 ||
		!strings.HasPrefix(r.Stderr, `Error from server (Invalid): Pod "upd" is invalid: spec: Forbidden: pod updates may not change fields other than`) {
		t.Errorf("a forbidden patch: %s", r)
	}
	if r := d.Ctl("patch", "pod", "upd", "--type", "json", "-p", `[{"op":"test","path":"/spec/containers/0/name","value":"other"}]`); r.Code != 1 ||
		!strings.Contains(r.Stderr, "the patch does not apply to the pod: ") {
		t.Errorf("a failing test op: %s", r)
	}
	now := d.MustGetPod("upd")
	if now.Labels["tier"] != "x" || containerPIDs(t, now)["c"] != containerPIDs(t, p)["c"] {
		t.Errorf("labels %v; the label patch restarted the container: %v -> %v", now.Labels, containerPIDs(t, p), containerPIDs(t, now))
	}
	d.MustCtl("delete", "pod", "upd")
}

// podctl diff against podd: status 0 and nothing printed for what was applied; for a changed
// image and a changed Secret, status 1, the image lines, and the Secret's values masked; the
// diff changed nothing (the container kept running, its restart count 0).
func TestDiffAgainstPodd(t *testing.T) {
	d := StartPodd(t)
	secret := func(v string) string {
		return "---\napiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData: {password: " + v + "}\n"
	}
	manifest := updatePod(testImage, "{}", "sleep") + secret("hunter2")
	if r := d.CtlStdin(manifest, "apply", "-f", "-"); r.Code != 0 {
		t.Fatalf("apply: %s", r)
	}
	if r := d.CtlStdin(manifest, "diff", "-f", "-"); r.Code != 0 || r.Stdout != "" {
		t.Errorf("diff of what was applied: %s", r)
	}
	dirImage := strings.TrimPrefix(strings.TrimSuffix(testImage, ":latest"), "oci:") + ".rootfs"
	r := d.CtlStdin(updatePod(dirImage, "{}", "sleep")+secret("swordfish"), "diff", "-f", "-")
	for _, want := range []string{"/v1.Pod.default.upd", "\n-    image: " + testImage + "\n", "\n+    image: " + dirImage + "\n",
		"/v1.Secret.default.creds", "*** (before)", "*** (after)"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("diff lacks %q: %s", want, r)
		}
	}
	if r.Code != 1 || strings.Contains(r.Stdout, "hunter2") || strings.Contains(r.Stdout, "swordfish") {
		t.Errorf("diff of a change: want status 1 and no secret value: %s", r)
	}
	if cs := d.MustGetPod("upd").Status.ContainerStatuses[0]; cs.Image != testImage || cs.RestartCount != 0 {
		t.Errorf("the diff changed the pod: image %s, restarts %d", cs.Image, cs.RestartCount)
	}
	d.MustCtl("delete", "pod", "upd")
}

// podctl edit against podd, with scripts as the editor: a changed image is saved and the
// container restarts with it; an edit while the pod changed under it (a label set from the
// editor) is refused as kubectl's conflict, naming where the changes were kept.
func TestEditAgainstPodd(t *testing.T) {
	d := StartPodd(t)
	d.Apply(updatePod(testImage, "{}", "sleep"))
	dirImage := strings.TrimPrefix(strings.TrimSuffix(testImage, ":latest"), "oci:") + ".rootfs"
	t.Setenv("KUBE_EDITOR", `sed -i "s#image: `+testImage+`#image: `+dirImage+`#"`)
	if r := d.Ctl("edit", "pod", "upd"); r.Code != 0 || r.Stdout != "pod/upd edited\n" {
		t.Fatalf("edit the image: %s", r)
	}
	d.WaitPod("upd", 30*time.Second, "restarted with the new image", restartedWith(dirImage))
	t.Setenv("KUBE_EDITOR", podctlBin+` label pod upd by=other >/dev/null && sed -i "s#terminationGracePeriodSeconds: 1#terminationGracePeriodSeconds: 1#; s#name: upd#name: upd\n  labels: {mine: x}#"`)
	r := d.Ctl("edit", "pod/upd")
	if r.Code != 1 || !strings.HasPrefix(r.Stderr, `Error from server (Conflict): Operation cannot be fulfilled on pods "upd": the object has been modified`) ||
		!strings.Contains(r.Stderr, "A copy of your changes has been stored to") {
		t.Errorf("edit during a change: %s", r)
	}
	if m := regexp.MustCompile(`stored to "([^"]+)"`).FindStringSubmatch(r.Stderr); m != nil {
		os.Remove(m[1])
	}
	if p := d.MustGetPod("upd"); p.Labels["by"] != "other" || p.Labels["mine"] != "" {
		t.Errorf("labels after the conflict: %v", p.Labels)
	}
	d.MustCtl("delete", "pod", "upd")
}

// apply --prune against podd: the pod a previous apply made that the file no longer has is
// deleted ("pod/old pruned") and goes, with its cgroup; the pod the file has runs on untouched.
func TestApplyPruneAgainstPodd(t *testing.T) {
	d := StartPodd(t)
	pod := func(name string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", labels: {app: web}}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: c, image: " + testImage + ", command: [testapp, sleep, \"600\"]}\n"
	}
	d.Apply(pod("keep") + "---\n" + pod("old"))
	before := d.MustGetPod("keep")
	r := d.CtlStdin(pod("keep"), "apply", "-f", "-", "-l", "app=web", "--prune")
	if r.Code != 0 || r.Stdout != "pod/keep unchanged\npod/old pruned\n" {
		t.Fatalf("apply --prune: %s", r)
	}
	testutil.WaitUntil(t, "the pruned pod gone", func() bool { return d.Ctl("get", "pod", "old").Code != 0 })
	if p := d.MustGetPod("keep"); containerPIDs(t, p)["c"] != containerPIDs(t, before)["c"] {
		t.Errorf("the kept pod restarted: %v -> %v", containerPIDs(t, before), containerPIDs(t, p))
	}
	d.MustCtl("delete", "pod", "keep")
	d.AssertNoPods()
}

// podctl set image against podd: the named container restarts with the new image; the same
// again changes nothing and prints nothing.
func TestSetImageAgainstPodd(t *testing.T) {
	d := StartPodd(t)
	d.Apply(updatePod(testImage, "{}", "sleep"))
	dirImage := strings.TrimPrefix(strings.TrimSuffix(testImage, ":latest"), "oci:") + ".rootfs"
	if out := d.MustCtl("set", "image", "pod/upd", "c="+dirImage); out != "pod/upd image updated\n" {
		t.Errorf("set image: %q", out)
	}
	d.WaitPod("upd", 30*time.Second, "restarted with the new image", restartedWith(dirImage))
	if out := d.MustCtl("set", "image", "pod/upd", "c="+dirImage); out != "" {
		t.Errorf("set image again: %q", out)
	}
	d.MustCtl("delete", "pod", "upd")
}
