package host

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func downwardPod(labels, note string) string {
	return `apiVersion: v1
kind: Pod
metadata:
  name: info
  labels: {` + labels + `}
  annotations: {note: "` + note + `"}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: app
    image: ` + testImage + `
    command: [sh, -c, 'while true; do cat /etc/info/labels; echo; sleep 0.2; done']
    volumeMounts:
    - {name: info, mountPath: /etc/info}
    - {name: proj, mountPath: /etc/proj}
  volumes:
  - name: info
    downwardAPI:
      items:
      - {path: labels, fieldRef: {fieldPath: metadata.labels}}
      - {path: annotations, fieldRef: {fieldPath: metadata.annotations}}
  - name: proj
    projected:
      sources:
      - downwardAPI:
          items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]
`
}

// TestDownwardAPIUpdateReachesRunningPod: `podctl label` and a re-apply with other labels and
// annotations rewrite the files of the pod's downwardAPI volume and projected downwardAPI
// source while the container reads them in a loop, through the atomic writer (..data points at
// a new timestamped directory, one left), as the kubelet updates them.
func TestDownwardAPIUpdateReachesRunningPod(t *testing.T) {
	d := StartPodd(t)
	d.Apply(downwardPod("app: info", "one"))
	d.WaitPod("info", 60*time.Second, "running", podRunning)
	sh := func(script string) string {
		return strings.TrimSpace(d.MustCtl("exec", "info", "--", "sh", "-c", script))
	}
	if got := sh("cat /etc/info/labels"); got != `app="info"` {
		t.Fatalf("labels file at start: %q", got)
	}
	before := sh("readlink /etc/info/..data")
	d.MustCtl("label", "pod", "info", "tier=web")
	want := "app=\"info\"\ntier=\"web\""
	eventually(t, 60*time.Second, "the labels after podctl label", func() error {
		if got := sh("cat /etc/info/labels; echo; cat /etc/proj/labels"); got != want+"\n"+want {
			return fmt.Errorf("labels files: %q", got)
		}
		return nil
	})
	eventually(t, 60*time.Second, "the container reading the new labels", func() error {
		if out := d.MustCtl("logs", "info"); !strings.Contains(out, `tier="web"`) {
			return fmt.Errorf("the container's reads do not show tier=web yet")
		}
		return nil
	})
	if after := sh("readlink /etc/info/..data"); after == before || !strings.HasPrefix(after, "..20") {
		t.Errorf("..data: %q before, %q after: want a new timestamped directory", before, after)
	}
	if got := sh("ls -a /etc/info | grep -c '^\\.\\.20'"); got != "1" {
		t.Errorf("timestamped directories left: %s", got)
	}

	d.Apply(downwardPod("app: info, tier: db", "two"))
	eventually(t, 60*time.Second, "the labels and annotations after a re-apply", func() error {
		got := sh("cat /etc/proj/labels; echo; cat /etc/info/annotations")
		if !strings.HasPrefix(got, "app=\"info\"\ntier=\"db\"\n") || !strings.Contains(got, `note="two"`) {
			return fmt.Errorf("files: %q", got)
		}
		return nil
	})
	p := d.MustGetPod("info")
	d.MustCtl("delete", "pod", "info")
	d.AssertPodGone(p)
}
