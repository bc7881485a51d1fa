package ctl

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// podctl edit as kubectl's, with sed as the editor: a changed image and a deleted label are
// saved ("pod/web edited"); an editor that changes nothing, or empties the file, cancels; a
// change podd refuses prints its error and where a copy of the changes is, and changes nothing.
func TestEdit(t *testing.T) {
	sock := serveFakeWithCommands(t)
	labelled := strings.Replace(diffPod, "  name: web\n", "  name: web\n  labels:\n    app: web\n    tier: x\n", 1)
	if _, errOut, code := thinPodctl(t, sock, labelled, "apply", "-f", "-"); code != 0 {
		t.Fatalf("apply: %s", errOut)
	}
	images := func() string {
		out, _, _ := thinPodctl(t, sock, "", "get", "pod", "web", "-o", "jsonpath={.spec.containers[*].image} {.metadata.labels}")
		return out
	}
	for _, tc := range []struct {
		editor, out, errOut, after string
		code                       int
	}{
		{editor: "true", out: "Edit cancelled, no changes made.\n", after: `/images/busybox {"app":"web","tier":"x"}`},
		{editor: ": >", out: "Edit cancelled, no changes made.\n", after: `/images/busybox {"app":"web","tier":"x"}`},
		{editor: `sed -i -e "s#image: /images/busybox#image: /images/v2#" -e "/tier: x/d"`, out: "pod/web edited\n", after: `/images/v2 {"app":"web"}`},
		{editor: `sed -i "s#restartPolicy: Always#restartPolicy: Never#"`, code: 1, after: `/images/v2 {"app":"web"}`,
			errOut: `Error from server (Invalid): Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than`},
	} {
		t.Setenv("KUBE_EDITOR", tc.editor)
		out, errOut, code := thinPodctl(t, sock, "", "edit", "pod", "web")
		if out != tc.out || code != tc.code || !strings.HasPrefix(errOut, tc.errOut) || (tc.errOut == "") != (errOut == "") {
			t.Errorf("editor %q: %d %q %q, want %d %q %q", tc.editor, code, out, errOut, tc.code, tc.out, tc.errOut)
		}
		if got := images(); got != tc.after {
			t.Errorf("editor %q: the pod is %q, want %q", tc.editor, got, tc.after)
		}
		if tc.code == 0 {
			continue
		}
		m := regexp.MustCompile(`A copy of your changes has been stored to "([^"]+)"`).FindStringSubmatch(errOut)
		if m == nil {
			t.Errorf("editor %q: no copy of the changes named: %q", tc.editor, errOut)
			continue
		}
		if data, err := os.ReadFile(m[1]); err != nil || !strings.Contains(string(data), "restartPolicy: Never") {
			t.Errorf("the copy %s: %v %q", m[1], err, data)
		}
		os.Remove(m[1])
	}
	if _, errOut, code := thinPodctl(t, sock, "", "edit", "pod", "nope"); code != 1 || errOut != "Error from server (NotFound): pods \"nope\" not found\n" {
		t.Errorf("edit of a missing pod: %d %q", code, errOut)
	}
}
