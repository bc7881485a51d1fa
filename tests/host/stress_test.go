package host

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// crashPod prints a line and exits 1 a moment later, for ever (restartPolicy Always): the
// first restart is immediate, the next ones back off.
func crashPod(name string) string {
	return `apiVersion: v1
kind: Pod
metadata: {name: ` + name + `}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: app
    image: ` + testImage + `
    command: [/bin/sh, -c, 'echo "run of $HOSTNAME"; sleep 0.3; exit 1']
`
}

const steadyPod = `apiVersion: v1
kind: Pod
metadata: {name: steady}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: app
    image: ` + testImage + `
    command: [/bin/sleep, "3600"]
`

// probedPod runs probes of every kind during the stress: web is healthy (HTTP readiness, TCP
// liveness, with the timeouts and thresholds a loaded CI machine running a -race podd needs:
// a 1 s timeout is the kubelet's default, and three misses of it would rightly restart web) and
// must never restart; flaky's exec liveness fails one second in three, so the
// probe kills and restarts it again and again.
const probedPod = `apiVersion: v1
kind: Pod
metadata: {name: probed}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: web
    image: ` + testImage + `
    command: [testapp, serve, "8080"]
    readinessProbe:
      httpGet: {path: /hostname, port: 8080}
      periodSeconds: 1
      timeoutSeconds: 5
      failureThreshold: 5
    livenessProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 1
      timeoutSeconds: 5
      failureThreshold: 5
  - name: flaky
    image: ` + testImage + `
    command: [/bin/sleep, "3600"]
    livenessProbe:
      exec: {command: [sh, -c, 'test $(( $(date +%s) % 3 )) -ne 0']}
      periodSeconds: 1
      failureThreshold: 1
      terminationGracePeriodSeconds: 1
`

// TestStress does what users do at the same time while containers crash-loop and pods come and
// go: logs -f, exec, get, describe, apply and delete, all in parallel for a bounded time, with
// probes of every kind running (and restarting a container) throughout. Every
// answer must be right, and podd must still stop cleanly with exit status 0 (a podd built with
// -race exits 66 on a data race: `make test-race` runs this against one).
func TestStress(t *testing.T) {
	s := &stressRun{}
	// Registered before StartPodd's cleanup, so it runs after it: the failures are printed
	// again after podd's log, where a CI excerpt (head and tail of the output) shows them.
	t.Cleanup(func() {
		for _, e := range s.errors() {
			t.Log("stress failure: " + e)
		}
	})
	d := StartPodd(t)
	s.d = d
	duration := 20 * time.Second
	if testing.Short() {
		duration = 5 * time.Second // testing.Short: the same mix, briefly
	}
	d.Apply(steadyPod)
	d.Apply(probedPod)
	for i := range 3 {
		d.Apply(crashPod(fmt.Sprintf("crash-%d", i)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() { s.loop(ctx, func() { s.followLogs(ctx, fmt.Sprintf("crash-%d", i)) }) })
	}
	wg.Go(func() { s.loop(ctx, s.execSteady) })
	wg.Go(func() { s.loop(ctx, s.execCrashing) })
	wg.Go(func() { s.loop(ctx, s.inspect) })
	for w := range 3 {
		n := 0
		wg.Go(func() {
			s.loop(ctx, func() { s.churn(w, n); n++ })
		})
	}
	wg.Wait()
	t.Logf("%d operations in %v", s.count(), duration)
	s.checkProbed(d.MustGetPod("probed"))
	if !d.Running() {
		t.Fatalf("podd died during the stress run:\n%s", d.poddLog())
	}
	if err := d.Stop(40 * time.Second); err != nil {
		s.fail("podd did not exit 0 after the stress run (66 is the race detector): %v", err)
	}
	for _, e := range s.errors() {
		t.Error(e)
	}
}

// stressRun collects what went wrong (the first few of each kind) across the workers.
type stressRun struct {
	d    *Podd
	mu   sync.Mutex
	errs []string
	seen map[string]int
	ops  int
	// seenOK counts what the run reached (stress_features_test.go)
	seenOK map[string]int
}

func (s *stressRun) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	key, _, _ := strings.Cut(msg, ":")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[string]int{}
	}
	if s.seen[key]++; s.seen[key] <= 3 {
		s.errs = append(s.errs, msg)
	}
}

func (s *stressRun) errors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.errs...)
}

func (s *stressRun) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ops
}

// loop runs op until ctx ends.
func (s *stressRun) loop(ctx context.Context, op func()) {
	for ctx.Err() == nil {
		op()
		s.mu.Lock()
		s.ops++
		s.mu.Unlock()
	}
}

// followLogs runs `podctl logs -f` on a crash-looping pod for up to a second: it may end by
// itself (the run ended) or be stopped, but never fail.
func (s *stressRun) followLogs(ctx context.Context, pod string) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, podctlBin, "logs", "-f", pod)
	cmd.Env = append(cmd.Environ(), "PODD_SOCKET="+s.d.Socket)
	out, err := cmd.CombinedOutput()
	if err != nil && ctx.Err() == nil {
		s.fail("logs -f %s: %v: %s", pod, err, out)
		return
	}
	if len(out) > 0 && !strings.HasPrefix(string(out), "run of "+pod+"\n") {
		s.fail("logs -f %s: printed %q, want lines %q", pod, out, "run of "+pod)
	}
}

// execSteady runs a command in the pod that keeps running: it must always answer.
func (s *stressRun) execSteady() {
	r := s.d.Ctl("exec", "steady", "--", "sh", "-c", "echo $((6*7)); echo err >&2; exit 3")
	if r.Code != 3 || r.Stdout != "42\n" || !strings.HasPrefix(r.Stderr, "err\n") {
		s.fail("exec steady: want exit 3, stdout \"42\\n\", stderr \"err\\n...\"; got %s", r)
	}
}

// execCrashing execs into a crash-looping pod: it runs, or is refused because the container
// is not running right now; nothing else.
func (s *stressRun) execCrashing() {
	r := s.d.Ctl("exec", "crash-0", "--", "echo", "in")
	if r.Code == 0 && r.Stdout == "in\n" {
		return
	}
	if r.Code != 0 && (strings.Contains(r.Stderr, "not running") || strings.Contains(r.Stderr, "exit status 137")) {
		return
	}
	if r.Code == 137 { // the container exited under the exec: its processes went with it
		return
	}
	s.fail("exec crash-0: %s", r)
}

// inspect reads the pods the ways a user does.
func (s *stressRun) inspect() {
	for _, args := range [][]string{
		{"get", "pods"}, {"get", "pods", "-o", "wide"}, {"get", "pod", "crash-1", "-o", "yaml"},
		{"describe", "pod", "crash-2"}, {"describe", "pod", "steady"}, {"get", "pod", "steady", "-o", "json"},
		{"describe", "pod", "probed"},
	} {
		if r := s.d.Ctl(args...); r.Code != 0 || r.Stdout == "" {
			s.fail("%s: %s", strings.Join(args, " "), r)
		}
	}
}

// churn applies a pod (a crashing one every other time), reads it back and deletes it.
func (s *stressRun) churn(worker, n int) {
	name := fmt.Sprintf("churn-%d-%d", worker, n)
	manifest := crashPod(name)
	if n%2 == 1 {
		manifest = strings.Replace(steadyPod, "{name: steady}", "{name: "+name+"}", 1)
	}
	if r := s.d.CtlStdin(manifest, "apply", "-f", "-"); r.Code != 0 {
		s.fail("apply %s: %s", name, r)
		return
	}
	if r := s.d.Ctl("get", "pod", name); r.Code != 0 {
		s.fail("get pod %s after apply: %s", name, r)
	}
	if r := s.d.Ctl("delete", "pod", name); r.Code != 0 {
		s.fail("delete pod %s: %s", name, r)
	}
}

// checkProbed: the healthy container was never restarted and is ready; the flaky one was
// restarted by its liveness probe.
func (s *stressRun) checkProbed(p *corev1.Pod) {
	web, err := containerStatus(p, "web")
	if err != nil || web.RestartCount != 0 || !web.Ready {
		s.fail("probed/web after the stress run: %+v %v, want ready and never restarted", web, err)
	}
	flaky, err := containerStatus(p, "flaky")
	if err != nil || flaky.RestartCount < 1 {
		s.fail("probed/flaky after the stress run: %+v %v, want restarted by its liveness probe", flaky, err)
	}
}
