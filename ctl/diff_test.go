package ctl

import (
	"strings"
	"testing"
)

const diffPod = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: /images/busybox
`

// podctl diff as kubectl's: nothing printed and status 0 when an apply would change nothing;
// a unified diff of the YAML (LIVE against MERGED) and status 1 when it would, a new object all
// added; an apply podd would refuse is status 2 with its error; and
// nothing is changed by a diff.
func TestDiff(t *testing.T) {
	viaBoth(t, func(t *testing.T, run podctlRun, sock string) {
		if _, errOut, code := run(t, sock, diffPod, "apply", "-f", "-"); code != 0 {
			t.Fatalf("apply: %d %s", code, errOut)
		}
		if out, errOut, code := run(t, sock, diffPod, "diff", "-f", "-"); code != 0 || out != "" || errOut != "" {
			t.Errorf("diff of what was applied: %d %q %q", code, out, errOut)
		}
		changed := strings.Replace(diffPod, "/images/busybox", "/images/v2", 1) +
			"---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: new\nspec:\n  containers:\n  - {name: c, image: /images/x}\n"
		out, errOut, code := run(t, sock, changed, "diff", "-f", "-")
		for _, want := range []string{
			"diff -u -N /tmp/LIVE-", "/v1.Pod.default.web /tmp/MERGED-", "--- /tmp/LIVE-", "+++ /tmp/MERGED-",
			"\n-  - image: /images/busybox\n+  - image: /images/v2\n",
			"/v1.Pod.default.new\n", "\n+kind: Pod\n", "\n+  name: new\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("diff of a change lacks %q: %d %q\n%s", want, code, errOut, out)
			}
		}
		if code != 1 {
			t.Errorf("diff of a change: status %d, want 1", code)
		}
		got, _, _ := run(t, sock, "", "get", "pods", "-o", "name")
		if got != "pod/web\n" {
			t.Errorf("the diff changed the pods: %q", got)
		}
		forbidden := strings.Replace(diffPod, "  - name: web\n", "  - name: other\n", 1)
		_, errOut, code = run(t, sock, forbidden, "diff", "-f", "-")
		if code != 2 || !strings.Contains(errOut, `Pod "web" is invalid: spec: Forbidden`) {
			t.Errorf("diff of a change podd refuses: %d %q", code, errOut)
		}
	})
}

// A Secret's values never show: "***" where both sides agree, "*** (before)" and "*** (after)"
// where they differ, "***" where one side has the key.
func TestDiffMasksSecrets(t *testing.T) {
	live := `{"kind":"Secret","data":{"same":"aGk=","changed":"b2xk","gone":"eA=="}}`
	merged := `{"kind":"Secret","data":{"same":"aGk=","changed":"bmV3","added":"eQ=="},"stringData":{"plain":"hunter2"}}`
	before, after, err := diffSides([]byte(live), []byte(merged), true)
	if err != nil {
		t.Fatal(err)
	}
	wantBefore := "data:\n  changed: '*** (before)'\n  gone: '***'\n  same: '***'\nkind: Secret\n"
	wantAfter := "data:\n  added: '***'\n  changed: '*** (after)'\n  same: '***'\nkind: Secret\nstringData:\n  plain: '***'\n"
	if before != wantBefore || after != wantAfter {
		t.Errorf("masked:\n%s\n%s", before, after)
	}
}
