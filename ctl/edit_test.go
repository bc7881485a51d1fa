package ctl

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// podctl edit as kubectl's, with sed as the editor: a changed image and a deleted label are
// saved ("pod/web edited"); an editor that changes nothing, or empties the file, cancels; a
// change podd refuses reopens the file, and saved unchanged it cancels with the error and where
// a copy of the changes is, having changed nothing.
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
		if !strings.HasSuffix(errOut, "\nerror: Edit cancelled, no valid changes were saved.\n") {
			t.Errorf("editor %q: the reopened file saved unchanged should cancel as kubectl's: %q", tc.editor, errOut)
		}
	}
	if _, errOut, code := thinPodctl(t, sock, "", "edit", "pod", "nope"); code != 1 || errOut != "Error from server (NotFound): pods \"nope\" not found\n" {
		t.Errorf("edit of a missing pod: %d %q", code, errOut)
	}
}

// A change podd refuses as invalid reopens the editor on what was saved, with kubectl's reasons
// in the header; fixed there, it is saved.
func TestEditReopensOnInvalid(t *testing.T) {
	sock := serveFakeWithCommands(t)
	if _, errOut, code := thinPodctl(t, sock, diffPod, "apply", "-f", "-"); code != 0 {
		t.Fatalf("apply: %s", errOut)
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "editor")
	// First open: an invalid change. Reopened: keep a copy, undo it and change the image.
	if err := os.WriteFile(script, []byte(`if grep -q "was not valid" "$1"; then
  cp "$1" `+dir+`/reopened
  sed -i -e "s#restartPolicy: Never#restartPolicy: Always#" -e "s#image: /images/busybox#image: /images/v3#" "$1"
else
  sed -i "s#restartPolicy: Always#restartPolicy: Never#" "$1"
fi
`), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBE_EDITOR", "sh "+script)
	out, errOut, code := thinPodctl(t, sock, "", "edit", "pod", "web")
	if code != 0 || out != "pod/web edited\n" || !strings.HasPrefix(errOut, `Error from server (Invalid): Pod "web" is invalid: spec: Forbidden`) {
		t.Errorf("edit fixed after a refusal: %d %q %q", code, out, errOut)
	}
	reopened, err := os.ReadFile(filepath.Join(dir, "reopened"))
	if err != nil {
		t.Fatalf("the editor was not reopened: %v", err)
	}
	for _, want := range []string{
		"# reopened with the relevant failures.\n#\n# pods \"web\" was not valid:\n# * spec: Forbidden: pod updates may not change fields other than",
		"\n  restartPolicy: Never\n", // what was saved, not the pod as it is
	} {
		if !strings.Contains(string(reopened), want) {
			t.Errorf("the reopened file lacks %q:\n%s", want, reopened)
		}
	}
	got, _, _ := thinPodctl(t, sock, "", "get", "pod", "web", "-o", "jsonpath={.spec.containers[*].image} {.spec.restartPolicy}")
	if got != "/images/v3 Always" {
		t.Errorf("the pod after the edit: %q", got)
	}
}

// Every line of the reasons is a comment, a message of several lines (a pod update's Forbidden
// diff) too: a bare line would be read back as part of the YAML, and the reopened file would
// never be saved unchanged (the edit looped before).
func TestInvalidReasonsAreComments(t *testing.T) {
	err := apierrors.NewInvalid(schema.GroupKind{Kind: "Pod"}, "web", field.ErrorList{
		field.Forbidden(field.NewPath("spec"), "pod updates may not change fields\n  core.PodSpec{\n-  RestartPolicy: \"Always\",\n  }\n"),
	})
	got := invalidReasons("web", err)
	want := "# pods \"web\" was not valid:\n# * spec: Forbidden: pod updates may not change fields\n#     core.PodSpec{\n#   -  RestartPolicy: \"Always\",\n#     }\n#\n"
	if got != want {
		t.Errorf("reasons:\n%s\nwant:\n%s", got, want)
	}
}
