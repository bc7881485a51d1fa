package ctl

import (
	"maps"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/labels"
)

// Re-applying with a new label says configured and the label shows (it said unchanged and
// dropped it); a forbidden change gets the API server's words.
func TestReapplyConfigured(t *testing.T) {
	b, sock := serveFake(t)
	podctl(t, sock, twoPods, "apply", "-f", "-")
	labelled := strings.Replace(twoPods, "  name: web-sync\n", "  name: web-sync\n  labels:\n    app: web\n", 1)
	out, _, _ := podctl(t, sock, labelled, "apply", "-f", "-")
	if !strings.Contains(out, "pod/web-sync configured\n") || !strings.Contains(out, "pod/solo unchanged\n") {
		t.Fatalf("re-apply with a label: %q", out)
	}
	if p, _ := b.Get("default", "web-sync"); p.Labels["app"] != "web" {
		t.Fatalf("labels %v", p.Labels)
	}
	changed := strings.Replace(labelled, "  - name: sync\n", "  - name: other\n", 1)
	_, errOut, code := podctl(t, sock, changed, "apply", "-f", "-")
	want := `Error from server (Invalid): error when applying "-": Pod "web-sync" is invalid: spec: Forbidden: pod updates may not change fields other than ` + "`spec.containers[*].image`"
	if code != 1 || !strings.HasPrefix(errOut, want) {
		t.Fatalf("a forbidden change: %d %q", code, errOut)
	}
}

func TestLabelAndAnnotate(t *testing.T) {
	b, sock := serveFake(t)
	podctl(t, sock, twoPods, "apply", "-f", "-")
	for _, tc := range []struct {
		args    []string
		out     string
		errOut  string
		labels  string
		annotes string
	}{
		{args: []string{"label", "pod", "web-sync", "app=web", "tier=front"}, out: "pod/web-sync labeled\n", labels: "app=web,tier=front"},
		{args: []string{"label", "pod/web-sync", "app=db"}, errOut: "error: 'app' already has a value (web), and --overwrite is false\n", labels: "app=web,tier=front"},
		{args: []string{"label", "pods", "web-sync", "app=db", "--overwrite"}, out: "pod/web-sync labeled\n", labels: "app=db,tier=front"},
		{args: []string{"label", "po", "web-sync", "tier-"}, out: "pod/web-sync unlabeled\n", labels: "app=db"},
		{args: []string{"label", "pod", "web-sync", "app=db", "--overwrite"}, out: "pod/web-sync not labeled\n", labels: "app=db"},
		{args: []string{"annotate", "pod", "web-sync", "note=hi there"}, out: "pod/web-sync annotated\n", labels: "app=db", annotes: "note=hi there"},
		{args: []string{"annotate", "pod", "web-sync", "note=x"}, errOut: "error: --overwrite is false but found the following declared annotation(s): 'note' already has a value (hi there)\n", labels: "app=db", annotes: "note=hi there"},
		{args: []string{"annotate", "pod", "web-sync", "note-"}, out: "pod/web-sync annotated\n", labels: "app=db"},
		{args: []string{"label", "web-sync", "a=b"}, errOut: "error: the server doesn't have a resource type \"web-sync\"\n", labels: "app=db"},
		{args: []string{"label", "pod", "nope", "a=b"}, errOut: "Error from server (NotFound): pods \"nope\" not found\n", labels: "app=db"},
	} {
		out, errOut, _ := podctl(t, sock, "", tc.args...)
		p, _ := b.Get("default", "web-sync")
		annotes := maps.Clone(p.Annotations)
		delete(annotes, lastAppliedKey) // apply's own, checked in TestReapplyKeepsLabelsAddedByLabel
		if out != tc.out || errOut != tc.errOut || joinMap(p.Labels) != tc.labels || joinMap(annotes) != tc.annotes {
			t.Errorf("%v: out %q err %q labels %q annotations %q", tc.args, out, errOut, joinMap(p.Labels), joinMap(annotes))
		}
	}
}

// joinMap is key=value,... sorted ("" for none).
func joinMap(m map[string]string) string {
	return labels.Set(m).String()
}
