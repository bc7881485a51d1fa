package host

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// probedPods: "ready" serves /etc over HTTP with a readiness probe (after a second) and a TCP
// liveness probe on its named port; "sick" has an HTTP liveness probe on a path it does not
// serve (404), failing twice a second apart.
const probedPods = `apiVersion: v1
kind: Pod
metadata: {name: ready}
spec:
  containers:
  - name: web
    image: ` + testImage + `
    command: [testapp, serve, "8080", /etc]
    ports: [{name: http, containerPort: 8080}]
    readinessProbe:
      httpGet: {path: /hostname, port: 8080}
      initialDelaySeconds: 1
      periodSeconds: 1
    livenessProbe:
      tcpSocket: {port: http}
      periodSeconds: 1
---
apiVersion: v1
kind: Pod
metadata: {name: sick}
spec:
  containers:
  - name: web
    image: ` + testImage + `
    command: [testapp, serve, "8080", /etc]
    livenessProbe:
      httpGet: {path: /nope, port: 8080}
      periodSeconds: 1
      failureThreshold: 2
      terminationGracePeriodSeconds: 2
`

// TestProbes: podd dials the probes itself inside each pod's network namespace (the image has
// no curl): a readiness probe turns READY 0/1 into 1/1, a failing HTTP liveness probe restarts
// its container with kubelet's Unhealthy and Killing events.
func TestProbes(t *testing.T) {
	d := StartPodd(t)
	d.Apply(probedPods)
	if line := podLine(t, d, "ready"); !regexp.MustCompile(`^ready\s+0/1\s+Running`).MatchString(line) {
		t.Errorf("before its readiness probe succeeded: %q, want READY 0/1", line)
	}
	d.WaitPod("ready", 10*time.Second, "ready", func(p *corev1.Pod) error {
		if !podReady(p) {
			return fmt.Errorf("conditions %v", p.Status.Conditions)
		}
		return nil
	})
	if line := podLine(t, d, "ready"); !regexp.MustCompile(`^ready\s+1/1\s+Running\s+0\s`).MatchString(line) {
		t.Errorf("once ready: %q, want READY 1/1 and no restart", line)
	}

	d.WaitPod("sick", 20*time.Second, "restarted by its liveness probe", func(p *corev1.Pod) error {
		if s, err := containerStatus(p, "web"); err != nil || s.RestartCount < 1 {
			return fmt.Errorf("status %+v, %v", s, err)
		}
		return nil
	})
	out := d.MustCtl("describe", "pod", "sick")
	flat := strings.Join(strings.Fields(out), " ") // describe aligns with tabs
	for _, want := range []string{
		"Liveness: http-get http://:8080/nope delay=0s timeout=1s period=1s #success=1 #failure=2",
		"Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 404",
		"Killing", "Container web failed liveness probe, will be restarted",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("describe pod sick lacks %q:\n%s", want, out)
		}
	}
	ready := d.MustGetPod("ready")
	if s, _ := containerStatus(ready, "web"); s == nil || s.RestartCount != 0 || !s.Ready {
		t.Errorf("the healthy pod: %+v", s)
	}
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// podLine is the pod's line of `podctl get pods`.
func podLine(t *testing.T, d *Podd, name string) string {
	t.Helper()
	for _, line := range strings.Split(d.MustCtl("get", "pods"), "\n") {
		if strings.HasPrefix(line, name+" ") {
			return line
		}
	}
	t.Fatalf("podctl get pods has no line for %s", name)
	return ""
}

// execProbedPod's exec readiness probe succeeds; its exec liveness probe starts a background
// sleep and hangs past timeoutSeconds: each run is killed with what it started.
const execProbedPod = `apiVersion: v1
kind: Pod
metadata: {name: execprobe}
spec:
  containers:
  - name: app
    image: ` + testImage + `
    command: [testapp, sleep, "600"]
    readinessProbe:
      exec: {command: [cat, /etc/hostname]}
      periodSeconds: 1
    livenessProbe:
      exec: {command: [sh, -c, "sleep 30 & sleep 31"]}
      periodSeconds: 2
      failureThreshold: 100
`

// TestExecProbeTimeout: exec probes run through the exec path; one that hangs is timed out
// with kubelet's message and leaves no process behind in the container.
func TestExecProbeTimeout(t *testing.T) {
	d := StartPodd(t)
	d.Apply(execProbedPod)
	d.WaitPod("execprobe", 10*time.Second, "ready by its exec probe", func(p *corev1.Pod) error {
		if !podReady(p) {
			return fmt.Errorf("conditions %v", p.Status.Conditions)
		}
		return nil
	})
	want := `Liveness probe failed: command "sh -c sleep 30 & sleep 31" timed out`
	eventually(t, 10*time.Second, "two timed-out exec probes", func() error {
		out := strings.Join(strings.Fields(d.MustCtl("describe", "pod", "execprobe")), " ")
		if !strings.Contains(out, "(x2 over") || !strings.Contains(out, want) {
			return fmt.Errorf("%s", out)
		}
		return nil
	})
	// What the probe started was killed; as with the kubelet, an orphan becomes a zombie of
	// the container's PID 1 (testapp sleep does not reap): no sleep may still be alive.
	eventually(t, 5*time.Second, "no sleep alive in the container", func() error {
		r := d.Ctl("exec", "execprobe", "--", "sh", "-c", "cat /proc/[0-9]*/stat")
		if r.Code != 0 || regexp.MustCompile(`\(sleep\) [^Z]`).MatchString(r.Stdout) {
			return fmt.Errorf("%s", r)
		}
		return nil
	})
	if s, _ := containerStatus(d.MustGetPod("execprobe"), "app"); s == nil || s.RestartCount != 0 {
		t.Errorf("status %+v: a failing liveness probe below its threshold restarted the container", s)
	}
}

// slowStarter listens only after 3 s; its liveness probe would kill it at the first failure,
// but the startup probe holds liveness (and readiness) back until it succeeds.
const slowStarter = `apiVersion: v1
kind: Pod
metadata: {name: slow}
spec:
  containers:
  - name: app
    image: ` + testImage + `
    command: [sh, -c, "sleep 3; exec testapp serve 8080"]
    startupProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 1
      failureThreshold: 20
    livenessProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 1
      failureThreshold: 1
`

// TestStartupProbeGatesLiveness: not started nor ready until the startup probe succeeds, and
// no liveness restart meanwhile.
func TestStartupProbeGatesLiveness(t *testing.T) {
	d := StartPodd(t)
	d.Apply(slowStarter)
	if s, _ := containerStatus(d.MustGetPod("slow"), "app"); s == nil || s.Started == nil || *s.Started || s.Ready {
		t.Fatalf("right after apply: %+v, want started=false ready=false", s)
	}
	p := d.WaitPod("slow", 15*time.Second, "started and ready", func(p *corev1.Pod) error {
		if s, err := containerStatus(p, "app"); err != nil || s.Started == nil || !*s.Started || !s.Ready {
			return fmt.Errorf("%+v %v", s, err)
		}
		return nil
	})
	if s, _ := containerStatus(p, "app"); s.RestartCount != 0 {
		t.Errorf("restarted %d times: liveness ran before the startup probe succeeded", s.RestartCount)
	}
	if out := d.MustCtl("describe", "pod", "slow"); strings.Contains(out, "Liveness probe failed") {
		t.Errorf("a liveness probe ran before the container started:\n%s", out)
	}
}

const togglePod = `apiVersion: v1
kind: Pod
metadata: {name: toggle}
spec:
  containers:
  - name: app
    image: ` + testImage + `
    command: [testapp, sleep, "600"]
    readinessProbe:
      exec: {command: [cat, /tmp/ready]}
      periodSeconds: 1
      failureThreshold: 1
`

// TestReadinessToggles: readiness follows the probe both ways (READY and the Ready condition)
// and never restarts the container.
func TestReadinessToggles(t *testing.T) {
	d := StartPodd(t)
	d.Apply(togglePod)
	waitReady := func(want bool) {
		t.Helper()
		d.WaitPod("toggle", 10*time.Second, fmt.Sprintf("ready=%v", want), func(p *corev1.Pod) error {
			if podReady(p) != want {
				return fmt.Errorf("conditions %v", p.Status.Conditions)
			}
			return nil
		})
	}
	waitReady(false)
	d.MustCtl("exec", "toggle", "--", "touch", "/tmp/ready")
	waitReady(true)
	if line := podLine(t, d, "toggle"); !regexp.MustCompile(`^toggle\s+1/1\s+Running\s+0\s`).MatchString(line) {
		t.Errorf("ready: %q", line)
	}
	d.MustCtl("exec", "toggle", "--", "rm", "/tmp/ready")
	waitReady(false)
	if line := podLine(t, d, "toggle"); !regexp.MustCompile(`^toggle\s+0/1\s+Running\s+0\s`).MatchString(line) {
		t.Errorf("unready again: %q, want READY 0/1, still Running, no restart", line)
	}
}

const grpcPod = `apiVersion: v1
kind: Pod
metadata: {name: grpc}
spec:
  containers:
  - name: app
    image: ` + testImage + `
    command: [testapp, grpc-health, "9000", /tmp/sick]
    startupProbe:
      grpc: {port: 9000}
      periodSeconds: 1
      failureThreshold: 30
    readinessProbe:
      grpc: {port: 9000}
      periodSeconds: 1
    livenessProbe:
      grpc: {port: 9000, service: app}
      periodSeconds: 1
      failureThreshold: 2
      terminationGracePeriodSeconds: 2
`

// TestGRPCProbe: grpc.health.v1 probes dialled by podd into the pod (the image has no
// grpc_health_probe): started and ready while SERVING, and once the server answers NOT_SERVING the liveness
// probe restarts the container with kubelet's texts.
func TestGRPCProbe(t *testing.T) {
	d := StartPodd(t)
	d.Apply(grpcPod)
	d.WaitPod("grpc", 10*time.Second, "ready by its grpc probe", func(p *corev1.Pod) error {
		if !podReady(p) {
			return fmt.Errorf("conditions %v", p.Status.Conditions)
		}
		return nil
	})
	d.MustCtl("exec", "grpc", "--", "touch", "/tmp/sick")
	d.WaitPod("grpc", 20*time.Second, "restarted by its grpc liveness probe", func(p *corev1.Pod) error {
		if s, err := containerStatus(p, "app"); err != nil || s.RestartCount < 1 {
			return fmt.Errorf("status %+v, %v", s, err)
		}
		return nil
	})
	flat := strings.Join(strings.Fields(d.MustCtl("describe", "pod", "grpc")), " ")
	for _, want := range []string{
		"Liveness: grpc <pod>:9000 app delay=0s timeout=1s period=1s #success=1 #failure=2",
		`Liveness probe failed: service unhealthy (responded with "NOT_SERVING")`,
		"Container app failed liveness probe, will be restarted",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("describe pod grpc lacks %q:\n%s", want, flat)
		}
	}
}
