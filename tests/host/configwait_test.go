package host

import (
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// waitPod mounts a ConfigMap, a Secret (both whole and by subPath) and reads a ConfigMap key as
// env; none of them exists when it is applied.
const waitPod = `apiVersion: v1
kind: Pod
metadata: {name: waiter}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: app
    image: ` + testImage + `
    command: [/bin/sleep, "3600"]
    env:
    - name: COLOR
      valueFrom: {configMapKeyRef: {name: later, key: color}}
    volumeMounts:
    - {name: cfg, mountPath: /etc/cfg}
    - {name: cfg, mountPath: /etc/color.txt, subPath: color}
    - {name: sec, mountPath: /etc/sec}
  volumes:
  - {name: cfg, configMap: {name: later}}
  - {name: sec, secret: {secretName: later-secret}}
`

func configMapYAML(color string) string {
	return `apiVersion: v1
kind: ConfigMap
metadata: {name: later}
data: {color: ` + color + `}
`
}

// TestMissingConfigMapWaits: a pod whose ConfigMap and Secret do not exist yet is accepted (as
// the kubelet does) and stays ContainerCreating with kubelet's FailedMount event; it starts
// once both objects are applied, and reads them.
func TestMissingConfigMapWaits(t *testing.T) {
	d := StartPodd(t)
	r := d.CtlStdin(waitPod, "apply", "-f", "-")
	if r.Code != 0 || !strings.Contains(r.Stdout, "pod/waiter created") {
		t.Fatalf("apply of a pod naming a missing ConfigMap: %s", r)
	}
	p := d.MustGetPod("waiter")
	if p.Status.Phase != corev1.PodPending {
		t.Errorf("phase %s, want Pending", p.Status.Phase)
	}
	cs, err := containerStatus(p, "app")
	if err != nil || cs.State.Waiting == nil || cs.State.Waiting.Reason != "ContainerCreating" {
		t.Errorf("container status: %+v %v, want Waiting ContainerCreating", cs, err)
	}
	sel := "--field-selector=involvedObject.name=waiter"
	want := `MountVolume.SetUp failed for volume "cfg" : configmap "later" not found`
	eventually(t, 30*time.Second, "the FailedMount event", func() error {
		out := d.MustCtl("get", "events", sel)
		if !strings.Contains(out, "FailedMount") || !strings.Contains(out, want) ||
			!strings.Contains(out, `MountVolume.SetUp failed for volume "sec" : secret "later-secret" not found`) {
			return fmt.Errorf("events:\n%s", out)
		}
		return nil
	})
	d.CtlStdin(configMapYAML("blue"), "apply", "-f", "-")
	time.Sleep(200 * time.Millisecond) // the secret is still missing: nothing starts
	if cs, _ := containerStatus(d.MustGetPod("waiter"), "app"); cs == nil || cs.State.Running != nil {
		t.Fatalf("the container runs while its Secret is missing: %+v", cs)
	}
	r = d.CtlStdin(`apiVersion: v1
kind: Secret
metadata: {name: later-secret}
stringData: {token: t0ken}
`, "apply", "-f", "-")
	if r.Code != 0 {
		t.Fatalf("apply secret: %s", r)
	}
	d.WaitPod("waiter", 60*time.Second, "running once its objects exist", podRunning)
	got := strings.TrimSpace(d.MustCtl("exec", "waiter", "--", "sh", "-c", "cat /etc/cfg/color; echo; cat /etc/color.txt; echo; cat /etc/sec/token; echo; echo $COLOR"))
	if got != "blue\nblue\nt0ken\nblue" {
		t.Errorf("files and env: %q", got)
	}
	p = d.MustGetPod("waiter")
	d.MustCtl("delete", "pod", "waiter")
	d.AssertPodGone(p)
}

// TestConfigMapUpdateReachesRunningPod: re-applying a ConfigMap swaps the files a running pod
// sees (kubelet's atomic writer: ..data points at a new timestamped directory), while the
// subPath mount and the env keep the value the container started with, as in Kubernetes.
func TestConfigMapUpdateReachesRunningPod(t *testing.T) {
	d := StartPodd(t)
	d.CtlStdin(configMapYAML("blue"), "apply", "-f", "-")
	d.CtlStdin(`apiVersion: v1
kind: Secret
metadata: {name: later-secret}
stringData: {token: one}
`, "apply", "-f", "-")
	d.Apply(waitPod)
	d.WaitPod("waiter", 60*time.Second, "running", podRunning)
	sh := func(script string) string {
		return strings.TrimSpace(d.MustCtl("exec", "waiter", "--", "sh", "-c", script))
	}
	before := sh("readlink /etc/cfg/..data")
	d.CtlStdin(configMapYAML("green"), "apply", "-f", "-")
	d.CtlStdin(`apiVersion: v1
kind: Secret
metadata: {name: later-secret}
stringData: {token: two}
`, "apply", "-f", "-")
	eventually(t, 60*time.Second, "the updated files", func() error {
		if got := sh("cat /etc/cfg/color; echo; cat /etc/sec/token"); got != "green\ntwo" {
			return fmt.Errorf("files: %q", got)
		}
		return nil
	})
	if after := sh("readlink /etc/cfg/..data"); after == before || !strings.HasPrefix(after, "..20") {
		t.Errorf("..data: %q before, %q after: want a new timestamped directory", before, after)
	}
	if got := sh("ls -a /etc/cfg | grep -c '^\\.\\.20'"); got != "1" {
		t.Errorf("timestamped directories left: %s", got)
	}
	if got := sh("cat /etc/color.txt; echo; echo $COLOR"); got != "blue\nblue" {
		t.Errorf("subPath file and env: %q, want the values at the start (blue, blue)", got)
	}
	p := d.MustGetPod("waiter")
	d.MustCtl("delete", "pod", "waiter")
	d.AssertPodGone(p)
}

// TestMissingEnvConfigMapWaits: a container whose env names a missing ConfigMap is accepted and
// waits in CreateContainerConfigError with kubelet's message, and starts once it is applied.
func TestMissingEnvConfigMapWaits(t *testing.T) {
	d := StartPodd(t)
	r := d.CtlStdin(`apiVersion: v1
kind: Pod
metadata: {name: envwait}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: app
    image: `+testImage+`
    command: [/bin/sleep, "3600"]
    envFrom: [{configMapRef: {name: later}}]
`, "apply", "-f", "-")
	if r.Code != 0 {
		t.Fatalf("apply: %s", r)
	}
	d.WaitPod("envwait", 30*time.Second, "CreateContainerConfigError", func(p *corev1.Pod) error {
		cs, err := containerStatus(p, "app")
		if err != nil {
			return err
		}
		if w := cs.State.Waiting; w == nil || w.Reason != "CreateContainerConfigError" || w.Message != `configmap "later" not found` {
			return fmt.Errorf("state %+v", cs.State)
		}
		return nil
	})
	d.CtlStdin(configMapYAML("red"), "apply", "-f", "-")
	d.WaitPod("envwait", 90*time.Second, "running once the ConfigMap exists", podRunning)
	if got := strings.TrimSpace(d.MustCtl("exec", "envwait", "--", "sh", "-c", "echo $color")); got != "red" {
		t.Errorf("color=%q", got)
	}
	p := d.MustGetPod("envwait")
	d.MustCtl("delete", "pod", "envwait")
	d.AssertPodGone(p)
}
