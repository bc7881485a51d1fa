package host

import (
	"fmt"
	"strings"
	"testing"
)

// labelledPod is a sleeping one-container pod with labels app=APP and idx=N (not "n": YAML 1.1 reads that key as false).
func labelledPod(name, app string, n int) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s, labels: {app: %s, idx: "%d"}}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: c
    image: `+testImage+`
    command: [sleep, "3600"]
`, name, app, n)
}

// TestDeleteBySelectorThenAll applies three labelled pods, lists them by label selector (podd
// selects, ?labelSelector=), deletes by selector, then --all, checking what is left each time.
func TestDeleteBySelectorThenAll(t *testing.T) {
	d := StartPodd(t)
	d.Apply(labelledPod("web-1", "web", 1) + "---\n" + labelledPod("web-2", "web", 2) + "---\n" + labelledPod("db", "db", 3))
	names := func(args ...string) string {
		t.Helper()
		return strings.TrimSpace(d.MustCtl(append([]string{"get", "pods", "-o", "name"}, args...)...))
	}
	if got := names("-l", "app=web"); got != "pod/web-1\npod/web-2" {
		t.Fatalf("get -l app=web: %q", got)
	}
	table := d.MustCtl("get", "pods", "-l", "app=web,idx!=1")
	if lines := strings.Split(strings.TrimSpace(table), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], "web-2 ") ||
		!strings.Contains(lines[1], "Running") {
		t.Fatalf("get -l app=web,idx!=1:\n%s", table)
	}
	if r := d.Ctl("get", "pods", "-l", "app in web"); r.Code == 0 || !strings.Contains(r.Stderr, "selector") {
		t.Fatalf("a bad selector: %s", r)
	}
	if out := d.MustCtl("delete", "pods", "-l", "app=web"); out != "pod \"web-1\" deleted\npod \"web-2\" deleted\n" {
		t.Fatalf("delete -l app=web: %q", out)
	}
	if got := names(); got != "pod/db" {
		t.Fatalf("left after delete -l app=web: %q", got)
	}
	if out := d.MustCtl("delete", "pods", "--all"); out != "pod \"db\" deleted\n" {
		t.Fatalf("delete --all: %q", out)
	}
	if got := names("-A"); got != "" {
		t.Fatalf("left after delete --all: %q", got)
	}
	if out := d.MustCtl("delete", "pods", "--all"); out != "No resources found\n" {
		t.Fatalf("delete --all of nothing: %q", out)
	}
}
