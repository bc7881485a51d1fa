package host

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// loggerPod prints two lines per run, waits for /data/go<run> and exits 1 (restartPolicy
// Always restarts it); the run number is kept in an emptyDir.
const loggerPod = `apiVersion: v1
kind: Pod
metadata: {name: logger}
spec:
  restartPolicy: Always
  volumes: [{name: data, emptyDir: {}}]
  containers:
  - name: app
    image: ` + testImage + `
    volumeMounts: [{name: data, mountPath: /data}]
    command: [/bin/sh, -c]
    args:
    - |
      n=$(( $(cat /data/runs 2>/dev/null || echo 0) + 1 ))
      echo $n > /data/runs
      echo "run $n: hello"
      echo "run $n: world"
      while [ ! -e /data/go$n ]; do sleep 0.05; done
      echo "run $n: bye"
      exit 1
`

// TestLogs checks podctl logs, -f, --previous and --tail across a restart, and the log files.
func TestLogs(t *testing.T) {
	d := StartPodd(t)
	d.Apply(loggerPod)
	pod := d.MustGetPod("logger")
	run1 := "run 1: hello\nrun 1: world\n"
	eventually(t, 5*time.Second, "podctl logs logger shows run 1", func() error {
		if r := d.Ctl("logs", "logger"); r.Code != 0 || r.Stdout != run1 {
			return fmt.Errorf("%s", r)
		}
		return nil
	})
	logDir := filepath.Join(d.LogDir, "default_logger_"+string(pod.UID), "app")
	if b, err := os.ReadFile(filepath.Join(logDir, "0.log")); err != nil || criText(string(b)) != run1 {
		t.Errorf("%s/0.log: %q, %v; want the CRI records of %q", logDir, b, err, run1)
	}

	// -f follows the running container, and on into its next run (issue 9: "-f across restarts").
	follow := d.CtlStream("logs", "-f", "logger")
	follow.WaitFor(t, "run 1: world\n", 5*time.Second)
	d.MustCtl("exec", "logger", "--", "touch", "/data/go1")
	follow.WaitFor(t, "run 2: world\n", 10*time.Second)
	if got, want := follow.Output(), run1+"run 1: bye\n"+"run 2: hello\nrun 2: world\n"; got != want {
		t.Errorf("podctl logs -f: %q, want %q", got, want)
	}

	// The container exited 1: restartPolicy Always restarts it at once.
	run2 := "run 2: hello\nrun 2: world\n"
	pod = d.WaitPod("logger", 5*time.Second, "restarted and running run 2", func(p *corev1.Pod) error {
		cs, err := containerStatus(p, "app")
		if err != nil {
			return err
		}
		if cs.RestartCount != 1 || cs.State.Running == nil {
			return fmt.Errorf("restartCount %d, state %+v", cs.RestartCount, cs.State)
		}
		if r := d.Ctl("logs", "logger"); r.Stdout != run2 {
			return fmt.Errorf("logs: %q", r.Stdout)
		}
		return nil
	})
	if got := d.MustCtl("logs", "logger", "--previous"); got != run1+"run 1: bye\n" {
		t.Errorf("podctl logs --previous: %q", got)
	}
	if got := d.MustCtl("logs", "logger", "--tail", "1"); got != "run 2: world\n" {
		t.Errorf("podctl logs --tail 1: %q", got)
	}
	for n, want := range []string{run1 + "run 1: bye\n", run2} {
		path := filepath.Join(logDir, fmt.Sprintf("%d.log", n))
		if b, err := os.ReadFile(path); err != nil || criText(string(b)) != want {
			t.Errorf("%s: %q, %v; want the CRI records of %q", path, b, err, want)
		}
	}
	cs, _ := containerStatus(pod, "app")
	if last := cs.LastTerminationState.Terminated; last == nil || last.ExitCode != 1 || last.Reason != "Error" {
		t.Errorf("after the restart, lastState.terminated = %+v; want exitCode 1, reason Error", last)
	}
	out := d.MustCtl("get", "pods")
	if !regexp.MustCompile(`(?m)^logger\s+1/1\s+Running\s+1 \(\S+ ago\)\s+\S+\s*$`).MatchString(out) {
		t.Errorf("podctl get pods: want `logger   1/1   Running   1 (Ns ago)   AGE`, got:\n%s", out)
	}
	if r := d.Ctl("logs", "logger", "-c", "nope"); r.Code == 0 || !strings.Contains(r.Stderr, "nope") {
		t.Errorf("podctl logs -c nope: %s", r)
	}
}

// TestTermination deletes a pod whose PID 1 ignores SIGTERM and one that handles it.
func TestTermination(t *testing.T) {
	d := StartPodd(t)
	pod := func(name, args string) string {
		return `apiVersion: v1
kind: Pod
metadata: {name: ` + name + `}
spec:
  terminationGracePeriodSeconds: 30
  containers:
  - name: app
    image: ` + testImage + `
    command: [testapp, ` + args + `]
`
	}
	d.Apply(pod("ignores-term", "ignore-term"))
	d.Apply(pod("catches-term", `catch-term, "1"`))
	for _, name := range []string{"ignores-term", "catches-term"} {
		eventually(t, 5*time.Second, name+" is ready", func() error {
			if out := d.Ctl("logs", name).Stdout; out != "ready\n" {
				return fmt.Errorf("logs: %q", out)
			}
			return nil
		})
	}

	t.Run("ignores SIGTERM", func(t *testing.T) {
		p := d.MustGetPod("ignores-term")
		start := time.Now()
		d.MustCtl("delete", "pod", "ignores-term")
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("delete took %v: a PID 1 that ignores SIGTERM must be killed at once, not after the 30 s grace", took)
		}
		d.AssertPodGone(p)
	})

	t.Run("catches SIGTERM", func(t *testing.T) {
		p := d.MustGetPod("catches-term")
		follow := d.CtlStream("logs", "-f", "catches-term")
		follow.WaitFor(t, "ready\n", 5*time.Second)
		start := time.Now()
		d.MustCtl("delete", "pod", "catches-term")
		took := time.Since(start)
		if err := follow.Wait(t, 5*time.Second); err != nil {
			t.Errorf("podctl logs -f: %v", err)
		}
		if out := follow.Output(); out != "ready\nterm\n" {
			t.Errorf("log of a container that catches SIGTERM: %q, want %q", out, "ready\nterm\n")
		}
		// It sleeps 1 s after SIGTERM, then exits 0: the delete waits for that, not for the grace.
		if took < 900*time.Millisecond || took > 5*time.Second {
			t.Errorf("delete took %v: want about 1 s (the container's own shutdown)", took)
		}
		d.AssertPodGone(p)
	})
	d.AssertNoPods()
}

// TestRestartPolicy checks how each restartPolicy treats an exit.
func TestRestartPolicy(t *testing.T) {
	d := StartPodd(t)
	pod := func(name, policy, code string) string {
		return `apiVersion: v1
kind: Pod
metadata: {name: ` + name + `}
spec:
  restartPolicy: ` + policy + `
  containers:
  - name: app
    image: ` + testImage + `
    command: [testapp, exit, "` + code + `"]
`
	}
	terminated := func(want corev1.PodPhase) func(p *corev1.Pod) error {
		return func(p *corev1.Pod) error {
			if p.Status.Phase != want {
				return fmt.Errorf("phase %s", p.Status.Phase)
			}
			return nil
		}
	}
	row := func(t *testing.T, name string) string {
		for _, l := range strings.Split(d.MustCtl("get", "pods", name), "\n") {
			if strings.HasPrefix(l, name+" ") {
				return strings.Join(strings.Fields(l), " ")
			}
		}
		t.Fatalf("podctl get pods %s: no row", name)
		return ""
	}

	t.Run("Never exit 3", func(t *testing.T) {
		d.Apply(pod("never", "Never", "3"))
		p := d.WaitPod("never", 5*time.Second, "Failed", terminated(corev1.PodFailed))
		cs, err := containerStatus(p, "app")
		if err != nil {
			t.Fatal(err)
		}
		if tm := cs.State.Terminated; tm == nil || tm.Reason != "Error" || tm.ExitCode != 3 {
			t.Errorf("state.terminated = %+v; want reason Error, exitCode 3", tm)
		}
		if cs.RestartCount != 0 || cs.Ready {
			t.Errorf("restartCount %d ready %v; want 0, false", cs.RestartCount, cs.Ready)
		}
		if got := row(t, "never"); !strings.HasPrefix(got, "never 0/1 Error 0 ") {
			t.Errorf("podctl get pods: %q, want `never 0/1 Error 0 AGE`", got)
		}
	})

	t.Run("OnFailure exit 0", func(t *testing.T) {
		d.Apply(pod("onfailure", "OnFailure", "0"))
		p := d.WaitPod("onfailure", 5*time.Second, "Succeeded", terminated(corev1.PodSucceeded))
		cs, err := containerStatus(p, "app")
		if err != nil {
			t.Fatal(err)
		}
		if tm := cs.State.Terminated; tm == nil || tm.Reason != "Completed" || tm.ExitCode != 0 {
			t.Errorf("state.terminated = %+v; want reason Completed, exitCode 0", tm)
		}
		if cs.RestartCount != 0 {
			t.Errorf("restartCount %d; want 0", cs.RestartCount)
		}
		if got := row(t, "onfailure"); !strings.HasPrefix(got, "onfailure 0/1 Completed 0 ") {
			t.Errorf("podctl get pods: %q, want `onfailure 0/1 Completed 0 AGE`", got)
		}
	})

	t.Run("Always exit 1", func(t *testing.T) {
		d.Apply(pod("always", "Always", "1"))
		p := d.WaitPod("always", 5*time.Second, "restarted", func(p *corev1.Pod) error {
			cs, err := containerStatus(p, "app")
			if err != nil {
				return err
			}
			if cs.RestartCount < 1 {
				return fmt.Errorf("restartCount %d", cs.RestartCount)
			}
			return nil
		})
		if p.Status.Phase != corev1.PodRunning {
			t.Errorf("phase %s; want Running (restartPolicy Always)", p.Status.Phase)
		}
		if got := row(t, "always"); !regexp.MustCompile(`^always [01]/1 \S+ [1-9]`).MatchString(got) {
			t.Errorf("podctl get pods: %q, want RESTARTS >= 1", got)
		}
	})

	for _, name := range []string{"never", "onfailure", "always"} {
		p := d.MustGetPod(name)
		d.MustCtl("delete", "pod", name)
		d.AssertPodGone(p)
	}
	d.AssertNoPods()
}

// TestPoddRestartKeepsPods kills podd (SIGKILL, as a crash) under a running pod and starts it
// again with the same --root, --run-dir and namespaces: the pod must still be there, the same
// pod, its containers untouched, and deletable.
func TestPoddRestartKeepsPods(t *testing.T) {
	d := StartPodd(t)
	before := applyWebSync(t, d)
	pids := containerPIDs(t, before)

	d.Kill()
	for ctr, pid := range pids {
		if !alive(pid) {
			t.Errorf("container %s (pid %d) died with podd", ctr, pid)
		}
	}
	if _, err := os.Stat(filepath.Join(d.Root, "pods", string(before.UID), "pod.json")); err != nil {
		t.Errorf("pod record after podd died: %v", err)
	}

	d.Start()
	var after *corev1.Pod
	err := poll(5*time.Second, func() error {
		var err error
		after, err = d.GetPod("web-sync")
		return err
	})
	if err != nil {
		t.Fatalf("podd restarted with the same --root does not know pod web-sync (%v): "+
			"it does not reload (re-adopt) the pods recorded under %s/pods", err, d.Root)
	}
	if after.UID != before.UID || after.Status.PodIP != before.Status.PodIP {
		t.Errorf("after restart: uid %s podIP %s; before: uid %s podIP %s", after.UID, after.Status.PodIP, before.UID, before.Status.PodIP)
	}
	if after.Status.Phase != corev1.PodRunning {
		t.Errorf("after restart: phase %s", after.Status.Phase)
	}
	for ctr, pid := range containerPIDs(t, after) {
		if pid != pids[ctr] || !alive(pid) {
			t.Errorf("container %s: pid %d (alive %v) after podd restart, was %d: containers must keep running", ctr, pid, alive(pid), pids[ctr])
		}
	}
	if out := d.MustCtl("get", "pods"); !regexp.MustCompile(`(?m)^web-sync\s+2/2\s+Running\s+0\s`).MatchString(out) {
		t.Errorf("podctl get pods after restart:\n%s", out)
	}
	if _, err := httpGet(d.HolderPID(), "http://"+after.Status.PodIP+":8080/"); err != nil {
		t.Errorf("web after podd restart: %v", err)
	}
	if got := strings.TrimSpace(d.MustCtl("exec", "web-sync", "-c", "sync", "--", "hostname")); got != "web-sync" {
		t.Errorf("exec after podd restart: hostname %q", got)
	}

	// A container that dies while podd is down is restarted (restartPolicy Always) when podd
	// comes back; the other one is still adopted as it is.
	d.Kill()
	if err := syscall.Kill(pids["sync"], syscall.SIGKILL); err != nil {
		t.Fatalf("kill sync: %v", err)
	}
	eventually(t, 5*time.Second, "sync container gone", func() error {
		if alive(pids["sync"]) {
			return fmt.Errorf("pid %d alive", pids["sync"])
		}
		return nil
	})
	d.Start()
	after = d.WaitPod("web-sync", 5*time.Second, "sync restarted after podd came back", func(p *corev1.Pod) error {
		cs, err := containerStatus(p, "sync")
		if err != nil {
			return err
		}
		if cs.RestartCount != 1 || cs.State.Running == nil {
			return fmt.Errorf("sync: restartCount %d, state %+v", cs.RestartCount, cs.State)
		}
		return nil
	})
	now := containerPIDs(t, after)
	if now["web"] != pids["web"] || !alive(now["web"]) {
		t.Errorf("web: pid %d after the second podd restart, was %d", now["web"], pids["web"])
	}
	if now["sync"] == pids["sync"] || !alive(now["sync"]) {
		t.Errorf("sync: pid %d (alive %v), was %d: want a new process", now["sync"], alive(now["sync"]), pids["sync"])
	}
	if cs, _ := containerStatus(after, "sync"); cs.LastTerminationState.Terminated == nil {
		t.Errorf("sync: no lastState.terminated for the run lost while podd was down")
	}
	d.MustCtl("delete", "pod", "web-sync")
	d.AssertPodGone(after)
	d.AssertNoPods()
}

// A second delete with a shorter grace period cuts the first one's wait short (kubectl
// delete --grace-period=0 after a plain delete), as in Kubernetes.
func TestShorterGraceWins(t *testing.T) {
	d := StartPodd(t)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: slow-term}
spec:
  terminationGracePeriodSeconds: 60
  containers:
  - name: c
    image: ` + testImage + `
    command: [testapp, catch-term, "600"]
`)
	pod := d.MustGetPod("slow-term")
	logs := d.CtlStream("logs", "-f", "slow-term")
	logs.WaitFor(t, "ready", 10*time.Second)
	first := d.CtlStream("delete", "pod", "slow-term")
	logs.WaitFor(t, "term", 10*time.Second) // SIGTERM delivered; the container now lingers
	start := time.Now()
	d.MustCtl("delete", "pod", "slow-term", "--grace-period", "1")
	if err := first.Wait(t, 10*time.Second); err != nil {
		t.Fatalf("first delete: %v\n%s", err, first.Output())
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("pod gone %v after the shorter delete, want about 1 s", took)
	}
	d.AssertPodGone(pod)
}

var criRecord = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) F (.*)$`)

// criText is the text of a log file of whole-line CRI records (`<RFC3339Nano> stdout F line`);
// a line that is not such a record is returned marked, so a comparison fails on it.
func criText(file string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(file, "\n") {
		if line == "" {
			continue
		}
		m := criRecord.FindStringSubmatch(strings.TrimSuffix(line, "\n"))
		if m == nil {
			b.WriteString("NOT A CRI RECORD: " + line)
			continue
		}
		b.WriteString(m[2] + "\n")
	}
	return b.String()
}
