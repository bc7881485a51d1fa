package host

import (
	"fmt"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// TestShareProcessNamespace: the containers of a pod with shareProcessNamespace share one PID
// namespace whose PID 1 is /pause: `ps` in one container shows the other's processes, /proc/1
// of the pause is out of a container's reach, and a container that dies and restarts does not
// take the other with it.
func TestShareProcessNamespace(t *testing.T) {
	d := StartPodd(t)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: shared}
spec:
  shareProcessNamespace: true
  terminationGracePeriodSeconds: 0
  containers:
  - name: a
    image: ` + testImage + `
    command: [/bin/sleep, "3601"]
  - name: b
    image: ` + testImage + `
    command: [/bin/sleep, "3602"]
`)
	p := d.MustGetPod("shared")
	pids := containerPIDs(t, p)
	if a, b := nsLink(pids["a"], "pid"), nsLink(pids["b"], "pid"); a == "" || a != b || a == nsLink(d.PID(), "pid") {
		t.Errorf("PID namespaces: a %s, b %s, podd %s: want a and b the same, not podd's", a, b, nsLink(d.PID(), "pid"))
	}
	ps := d.MustCtl("exec", "shared", "-c", "a", "--", "ps", "-o", "pid,args")
	if !strings.Contains(ps, "sleep 3602") || !regexpLine(ps, `^\s*1\s+/pause$`) {
		t.Errorf("ps in container a does not show b's sleep and /pause as PID 1:\n%s", ps)
	}
	if r := d.Ctl("exec", "shared", "-c", "a", "--", "ls", "/proc/1/root/"); r.Code == 0 {
		t.Errorf("container a lists the pause process's root (podd's mount namespace):\n%s", r.Stdout)
	}
	if err := syscall.Kill(pids["a"], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p = d.WaitPod("shared", 60*time.Second, "a restarted", func(p *corev1.Pod) error {
		cs, err := containerStatus(p, "a")
		if err != nil || cs.RestartCount < 1 || cs.State.Running == nil {
			return fmt.Errorf("a: %+v %v", cs, err)
		}
		return nil
	})
	after := containerPIDs(t, p)
	if after["b"] != pids["b"] || !alive(pids["b"]) {
		t.Errorf("container b did not survive a's restart: pid %d -> %d", pids["b"], after["b"])
	}
	if nsLink(after["a"], "pid") != nsLink(after["b"], "pid") {
		t.Errorf("restarted a is not in b's PID namespace")
	}
	// A restarted podd adopts both containers (neither is its PID namespace's init).
	if err := d.Stop(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	d.Start()
	p = d.WaitPod("shared", 30*time.Second, "running after podd's restart", podRunning)
	if again := containerPIDs(t, p); again["a"] != after["a"] || again["b"] != after["b"] {
		t.Errorf("a restarted podd did not adopt the containers: %v -> %v", after, again)
	}
	d.MustCtl("delete", "pod", "shared")
	d.AssertPodGone(p)
}

func regexpLine(s, re string) bool {
	for _, l := range strings.Split(s, "\n") {
		if matched(re, strings.TrimRight(l, " ")) {
			return true
		}
	}
	return false
}

// TestHostPIDAndHostIPC: hostPID puts the container in podd's PID namespace (it sees podd's
// process), hostIPC in its IPC namespace; a pod without them has namespaces of its own.
func TestHostPIDAndHostIPC(t *testing.T) {
	d := StartPodd(t)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: hostns}
spec:
  hostPID: true
  hostIPC: true
  terminationGracePeriodSeconds: 0
  containers:
  - name: app
    image: ` + testImage + `
    command: [/bin/sleep, "3600"]
---
apiVersion: v1
kind: Pod
metadata: {name: ownns}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: app
    image: ` + testImage + `
    command: [/bin/sleep, "3600"]
`)
	host := d.MustGetPod("hostns")
	own := d.MustGetPod("ownns")
	hp, op := containerPIDs(t, host)["app"], containerPIDs(t, own)["app"]
	for _, ns := range []string{"pid", "ipc"} {
		if got, want := nsLink(hp, ns), nsLink(d.PID(), ns); got == "" || got != want {
			t.Errorf("hostPID/hostIPC pod: %s namespace %s, want podd's %s", ns, got, want)
		}
		if got := nsLink(op, ns); got == nsLink(d.PID(), ns) {
			t.Errorf("pod without host namespaces: %s namespace is podd's", ns)
		}
	}
	if out := d.MustCtl("exec", "hostns", "--", "cat", fmt.Sprintf("/proc/%d/cmdline", d.PID())); !strings.Contains(out, "podd") {
		t.Errorf("hostPID container does not see podd (pid %d): %q", d.PID(), out)
	}
	d.MustCtl("delete", "pod", "hostns", "ownns")
	d.AssertPodGone(host)
	d.AssertPodGone(own)
}

func matched(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }
