package host

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestPostStartOrder: as the kubelet starts a pod's containers one after the other, each
// container's postStart hook returns before the next container starts: a sidecar's before the
// app containers (it counts as started only then), an app container's before the next one; a
// failing hook (FailedPostStartHook, the run killed and restarted) lets the next one start.
// Each container writes at its start whether the previous one's hook had finished.
func TestPostStartOrder(t *testing.T) {
	d := StartPodd(t)
	dir := t.TempDir()
	seen := func(hook, out string) string {
		return `if [ -e /out/` + hook + ` ]; then echo after; else echo before; fi > /out/` + out + `; exec sleep 1000`
	}
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: ordered}
spec:
  terminationGracePeriodSeconds: 1
  volumes: [{name: out, hostPath: {path: ` + dir + `}}]
  initContainers:
  - name: side
    image: ` + testImage + `
    restartPolicy: Always
    command: [sleep, "1000"]
    volumeMounts: [{name: out, mountPath: /out}]
    lifecycle:
      postStart: {exec: {command: [/bin/sh, -c, 'sleep 2; touch /out/side-hook']}}
  containers:
  - name: a
    image: ` + testImage + `
    command: [/bin/sh, -c, '` + seen("side-hook", "a") + `']
    volumeMounts: [{name: out, mountPath: /out}]
    lifecycle:
      postStart: {exec: {command: [/bin/sh, -c, 'sleep 2; touch /out/a-hook']}}
  - name: bad
    image: ` + testImage + `
    command: [/bin/sh, -c, '` + seen("a-hook", "bad") + `']
    volumeMounts: [{name: out, mountPath: /out}]
    lifecycle:
      postStart: {exec: {command: [/bin/sh, -c, 'sleep 2; touch /out/bad-hook; exit 3']}}
  - name: c
    image: ` + testImage + `
    command: [/bin/sh, -c, '` + seen("bad-hook", "c") + `']
    volumeMounts: [{name: out, mountPath: /out}]
`)
	eventually(t, 60*time.Second, "every container started once", func() error {
		for _, f := range []string{"a", "bad", "c"} {
			if _, err := os.Stat(dir + "/" + f); err != nil {
				return err
			}
		}
		return nil
	})
	for _, f := range []string{"a", "bad", "c"} {
		if b, _ := os.ReadFile(dir + "/" + f); string(b) != "after\n" {
			t.Errorf("container %s started %s the previous container's postStart hook ended", f, strings.TrimSpace(string(b)))
		}
	}
	eventually(t, 30*time.Second, "FailedPostStartHook and bad restarted", func() error {
		r := d.MustCtl("describe", "pod", "ordered")
		if !strings.Contains(r, "FailedPostStartHook") || !strings.Contains(r, "exited with 3") {
			return fmt.Errorf("events:\n%s", r)
		}
		if s, _ := containerStatus(d.MustGetPod("ordered"), "bad"); s == nil || s.RestartCount == 0 {
			return fmt.Errorf("bad not restarted: %+v", s)
		}
		return nil
	})
	p := d.MustGetPod("ordered")
	for _, name := range []string{"a", "c"} {
		if s, _ := containerStatus(p, name); s == nil || s.RestartCount != 0 || s.State.Running == nil {
			t.Errorf("%s: %+v", name, s)
		}
	}
	if s := p.Status.InitContainerStatuses; len(s) != 1 || s[0].RestartCount != 0 || s[0].State.Running == nil {
		t.Errorf("side: %+v", s)
	}
}
