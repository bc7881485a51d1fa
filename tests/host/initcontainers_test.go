package host

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Two init containers append to a shared emptyDir in order; the app container reads what they
// wrote: it starts only after both completed.
const initPod = `apiVersion: v1
kind: Pod
metadata: {name: inits}
spec:
  volumes: [{name: data, emptyDir: {}}]
  initContainers:
  - name: first
    image: ` + testImage + `
    volumeMounts: [{name: data, mountPath: /data}]
    command: [/bin/sh, -c, 'sleep 0.3; echo first >> /data/order']
  - name: second
    image: ` + testImage + `
    volumeMounts: [{name: data, mountPath: /data}]
    command: [/bin/sh, -c, 'echo second >> /data/order']
  containers:
  - name: app
    image: ` + testImage + `
    volumeMounts: [{name: data, mountPath: /data}]
    command: [/bin/sh, -c, 'echo app >> /data/order; cat /data/order; exec sleep 1000']
`

func TestInitContainersRunInOrder(t *testing.T) {
	d := StartPodd(t)
	d.Apply(initPod)
	d.WaitPod("inits", 20*time.Second, "Running", func(p *corev1.Pod) error {
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		return nil
	})
	eventually(t, 5*time.Second, "the app read the init containers' writes", func() error {
		if r := d.Ctl("logs", "inits", "-c", "app"); r.Stdout != "first\nsecond\napp\n" {
			return fmt.Errorf("%s", r)
		}
		return nil
	})
	p := d.MustGetPod("inits")
	for _, s := range p.Status.InitContainerStatuses {
		if st := s.State.Terminated; st == nil || st.Reason != "Completed" {
			t.Errorf("%s: %+v", s.Name, s.State)
		}
	}
	if r := d.MustCtl("get", "pod", "inits"); !strings.Contains(r, "1/1") || !strings.Contains(r, "Running") {
		t.Errorf("get: %s", r)
	}
	if r := d.MustCtl("describe", "pod", "inits"); !strings.Contains(r, "Init Containers:") || !strings.Contains(r, "Completed") {
		t.Errorf("describe: %s", r)
	}
}

// An init container that fails under restartPolicy Never fails the pod: Init:Error, Failed, and
// the next init container and the app never run.
func TestInitFailureNever(t *testing.T) {
	d := StartPodd(t)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: badinit}
spec:
  restartPolicy: Never
  initContainers:
  - {name: fail, image: ` + testImage + `, command: [/bin/sh, -c, 'exit 3']}
  - {name: never, image: ` + testImage + `, command: [/bin/true]}
  containers:
  - {name: app, image: ` + testImage + `, command: [/bin/true]}
`)
	p := d.WaitPod("badinit", 20*time.Second, "Failed", func(p *corev1.Pod) error {
		if p.Status.Phase != corev1.PodFailed {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		return nil
	})
	if s := p.Status.InitContainerStatuses[0].State.Terminated; s == nil || s.ExitCode != 3 {
		t.Errorf("fail: %+v", p.Status.InitContainerStatuses[0].State)
	}
	if s := p.Status.InitContainerStatuses[1].State.Waiting; s == nil || s.Reason != "PodInitializing" {
		t.Errorf("never: %+v", p.Status.InitContainerStatuses[1].State)
	}
	if r := d.MustCtl("get", "pod", "badinit"); !strings.Contains(r, "Init:Error") {
		t.Errorf("get: %s", r)
	}
	d.MustCtl("delete", "pod", "badinit")
}

// Two sidecars and an app container append a line to a shared file as they start (their
// postStart hook, which holds back the next container's start as the kubelet's does) and as
// they get SIGTERM: the sidecars start in order before the app, and stop after it, last first.
// (The start line was the command's own once: under load a sidecar's shell could write it after
// the next container's, though podd had started them in order.)
func TestSidecarStartStopOrder(t *testing.T) {
	d := StartPodd(t)
	ctr := func(name string) string {
		return `command: [/bin/sh, -c, 'trap "echo stop ` + name + ` >> /data/order; exit 0" TERM; while :; do sleep 0.05; done'], lifecycle: {postStart: {exec: {command: [/bin/sh, -c, 'echo start ` + name + ` >> /data/order']}}}`
	}
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: sidecars}
spec:
  terminationGracePeriodSeconds: 10
  volumes: [{name: data, hostPath: {path: ` + t.TempDir() + `}}]
  initContainers:
  - {name: s1, image: ` + testImage + `, restartPolicy: Always, volumeMounts: [{name: data, mountPath: /data}], ` + ctr("s1") + `}
  - {name: s2, image: ` + testImage + `, restartPolicy: Always, volumeMounts: [{name: data, mountPath: /data}], ` + ctr("s2") + `}
  containers:
  - {name: app, image: ` + testImage + `, volumeMounts: [{name: data, mountPath: /data}], ` + ctr("app") + `}
`)
	d.WaitPod("sidecars", 20*time.Second, "Running", func(p *corev1.Pod) error {
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		return nil
	})
	eventually(t, 10*time.Second, "READY 3/3", func() error {
		if r := d.MustCtl("get", "pod", "sidecars"); !strings.Contains(r, "3/3") {
			return fmt.Errorf("%s", r)
		}
		return nil
	})
	p := d.MustGetPod("sidecars")
	dir := p.Spec.Volumes[0].HostPath.Path
	d.MustCtl("delete", "pod", "sidecars")
	b, err := os.ReadFile(dir + "/order")
	got := string(b)
	if err != nil {
		t.Fatal(err)
	}
	want := "start s1\nstart s2\nstart app\nstop app\nstop s2\nstop s1\n"
	if got != want {
		t.Errorf("order:\n%s\nwant:\n%s", got, want)
	}
}
