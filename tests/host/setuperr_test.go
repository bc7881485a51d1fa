package host

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// TestSetupErrorReported: a failure inside the container's setup (after clone, before execve)
// reaches the user with its step, the path and the errno: refused with 422 naming the field on
// apply, and as the container's Waiting reason (kubelet's CreateContainerError) when a restart
// fails.
func TestSetupErrorReported(t *testing.T) {
	d := StartPodd(t)

	// On apply: the mount point is below a file of the image.
	{
		r := d.CtlStdin(`apiVersion: v1
kind: Pod
metadata: {name: below-file}
spec:
  volumes: [{name: m, emptyDir: {}}]
  containers:
  - name: app
    image: `+testImage+`
    command: [testapp, sleep, "60"]
    volumeMounts: [{name: m, mountPath: /etc/passwd/x}]
`, "apply", "-f", "-")
		if r.Code == 0 {
			d.Ctl("delete", "pod", "below-file")
			t.Fatalf("apply succeeded: %s", r)
		}
		t.Logf("apply refused: %s", strings.TrimSpace(r.Stderr))
		for _, w := range []string{"(Invalid)", `spec.containers[0].volumeMounts[0]: mount-volume: "/etc/passwd/x": `, "not a directory"} {
			if !strings.Contains(r.Stderr, w) {
				t.Errorf("podctl apply: stderr lacks %q: %s", w, r)
			}
		}
		d.AssertNoPods()
	}

	// On a restart: the hostPath went away while the first run slept.
	{
		src := t.TempDir()
		d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: gone}
spec:
  volumes: [{name: h, hostPath: {path: "` + src + `"}}]
  containers:
  - name: app
    image: ` + testImage + `
    command: [testapp, sleep, "1"]
    volumeMounts: [{name: h, mountPath: /h}]
`)
		if err := os.Remove(src); err != nil {
			t.Fatal(err)
		}
		p := d.WaitPod("gone", 10*time.Second, "Waiting CreateContainerError", func(p *corev1.Pod) error {
			cs, err := containerStatus(p, "app")
			if err != nil {
				return err
			}
			if w := cs.State.Waiting; w == nil || w.Reason != "CreateContainerError" {
				return fmt.Errorf("state %+v", cs.State)
			}
			return nil
		})
		cs, _ := containerStatus(p, "app")
		msg := cs.State.Waiting.Message
		t.Logf("waiting: CreateContainerError: %s", msg)
		for _, w := range []string{`spec.containers[0].volumeMounts[0]: mount-volume: "/h": `, src, "no such file or directory"} {
			if !strings.Contains(msg, w) {
				t.Errorf("waiting message %q lacks %q", msg, w)
			}
		}
		pod := d.MustGetPod("gone")
		d.MustCtl("delete", "pod", "gone")
		d.AssertPodGone(pod)
	}
	d.AssertNoPods()
}
