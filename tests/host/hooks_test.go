package host

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// During its grace period a deleted pod shows Terminating with its deletionTimestamp and
// deletionGracePeriodSeconds; its preStop sleep runs before SIGTERM; delete --wait=false
// returns at once.
func TestTerminatingDuringGrace(t *testing.T) {
	d := StartPodd(t)
	dir := t.TempDir()
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: slow}
spec:
  terminationGracePeriodSeconds: 20
  volumes: [{name: out, hostPath: {path: ` + dir + `}}]
  containers:
  - name: app
    image: ` + testImage + `
    volumeMounts: [{name: out, mountPath: /out}]
    command: [/bin/sh, -c, 'trap "date +%s > /out/term; exit 0" TERM; while :; do sleep 0.05; done']
    lifecycle:
      preStop: {sleep: {seconds: 3}}
`)
	d.WaitPod("slow", 20*time.Second, "Running", podRunning)
	start := time.Now()
	if r := d.Ctl("delete", "pod", "slow", "--wait=false"); r.Code != 0 || r.Stdout != "pod \"slow\" deleted\n" {
		t.Fatalf("delete --wait=false: %s", r)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("delete --wait=false took %v", took)
	}
	p := d.MustGetPod("slow")
	if p.DeletionTimestamp == nil || p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds != 20 {
		t.Errorf("deletionTimestamp %v, deletionGracePeriodSeconds %v", p.DeletionTimestamp, p.DeletionGracePeriodSeconds)
	}
	if r := d.MustCtl("get", "pod", "slow"); !strings.Contains(r, "Terminating") {
		t.Errorf("get during the grace period:\n%s", r)
	}
	eventually(t, 15*time.Second, "the pod is gone", func() error {
		if _, err := d.GetPod("slow"); err == nil {
			return fmt.Errorf("still there")
		}
		return nil
	})
	b, err := os.ReadFile(dir + "/term")
	if err != nil {
		t.Fatalf("no SIGTERM: %v", err)
	}
	var at int64
	fmt.Sscan(string(b), &at)
	if sinceStart := time.Unix(at, 0).Sub(start.Truncate(time.Second)); sinceStart < 3*time.Second {
		t.Errorf("SIGTERM %v after the delete, before the 3 s preStop sleep ended", sinceStart)
	}
}

// Each hook kind: an exec postStart and preStop (writing to a shared file, preStop before
// the stop signal), an httpGet postStart against a sidecar's server (succeeds: no restart) and
// against a closed port (FailedPostStartHook, the run killed and restarted).
func TestLifecycleHooks(t *testing.T) {
	d := StartPodd(t)
	dir := t.TempDir()
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: hooks}
spec:
  terminationGracePeriodSeconds: 10
  volumes: [{name: out, hostPath: {path: ` + dir + `}}]
  initContainers:
  - name: server
    image: ` + testImage + `
    restartPolicy: Always
    command: [testapp, serve, "8080"]
    startupProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
  containers:
  - name: exec
    image: ` + testImage + `
    volumeMounts: [{name: out, mountPath: /out}]
    command: [/bin/sh, -c, 'trap "echo term >> /out/log; exit 0" TERM; while :; do sleep 0.05; done']
    lifecycle:
      postStart: {exec: {command: [/bin/sh, -c, 'echo poststart >> /out/log']}}
      preStop: {exec: {command: [/bin/sh, -c, 'echo prestop >> /out/log']}}
  - name: httpok
    image: ` + testImage + `
    command: [sleep, "1000"]
    lifecycle:
      postStart: {httpGet: {path: /hostname, port: 8080}}
  - name: httpbad
    image: ` + testImage + `
    command: [sleep, "1000"]
    lifecycle:
      postStart: {httpGet: {path: /, port: 9999}}
`)
	d.WaitPod("hooks", 20*time.Second, "Running", podRunning)
	eventually(t, 15*time.Second, "httpbad restarted after FailedPostStartHook", func() error {
		r := d.MustCtl("describe", "pod", "hooks")
		if !strings.Contains(r, "FailedPostStartHook") || !strings.Contains(r, "connection refused") {
			return fmt.Errorf("events:\n%s", r)
		}
		p := d.MustGetPod("hooks")
		if s, _ := containerStatus(p, "httpbad"); s == nil || s.RestartCount == 0 {
			return fmt.Errorf("httpbad not restarted")
		}
		return nil
	})
	p := d.MustGetPod("hooks")
	if s, _ := containerStatus(p, "httpok"); s == nil || s.RestartCount != 0 || s.State.Running == nil {
		t.Errorf("httpok: %+v", s)
	}
	r := d.MustCtl("describe", "pod", "hooks")
	if strings.Contains(r, `Container "httpok"`) {
		t.Errorf("httpok's hook failed:\n%s", r)
	}
	d.MustCtl("delete", "pod", "hooks")
	b, _ := os.ReadFile(dir + "/log")
	if string(b) != "poststart\nprestop\nterm\n" {
		t.Errorf("exec hooks: %q, want poststart, prestop, term", b)
	}
}

// A container killed by its liveness probe gets its preStop hook first, as kubelet's
// killContainer does for every kill with a grace period.
func TestPreStopBeforeLivenessKill(t *testing.T) {
	d := StartPodd(t)
	dir := t.TempDir()
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: unhealthy}
spec:
  volumes: [{name: out, hostPath: {path: ` + dir + `}}]
  containers:
  - name: app
    image: ` + testImage + `
    volumeMounts: [{name: out, mountPath: /out}]
    command: [/bin/sh, -c, 'trap "echo term >> /out/order; exit 0" TERM; while :; do sleep 0.05; done']
    livenessProbe:
      exec: {command: ["false"]}
      periodSeconds: 1
      failureThreshold: 1
      terminationGracePeriodSeconds: 5
    lifecycle:
      preStop: {exec: {command: [/bin/sh, -c, 'echo prestop >> /out/order']}}
`)
	eventually(t, 60*time.Second, "a restart by the liveness probe", func() error {
		p := d.MustGetPod("unhealthy")
		if s, err := containerStatus(p, "app"); err != nil || s.RestartCount < 1 {
			return fmt.Errorf("status %+v %v", s, err)
		}
		return nil
	})
	b, _ := os.ReadFile(dir + "/order")
	if got := strings.SplitN(string(b), "\n", 3); len(got) < 2 || got[0] != "prestop" || got[1] != "term" {
		t.Errorf("/out/order after the first liveness kill: %q, want the preStop hook, then SIGTERM", b)
	}
}
