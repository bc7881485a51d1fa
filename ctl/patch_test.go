package ctl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// podctl patch as kubectl's: a strategic merge patch by default (containers merge by name), a
// merge or JSON patch with --type, from -p (JSON or YAML) or --patch-file (a file, or stdin);
// "patched (no change)" when nothing changed; dry runs store nothing; each misuse says why.
func TestPatch(t *testing.T) {
	viaBoth(t, func(t *testing.T, run podctlRun, sock string) {
		run(t, sock, twoPods, "apply", "-f", "-")
		file := filepath.Join(t.TempDir(), "patch.yaml")
		if err := os.WriteFile(file, []byte("metadata:\n  labels:\n    from: file\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			stdin  string
			args   []string
			out    string
			errOut string
		}{
			{args: []string{"pod", "web-sync", "-p", `{"spec":{"containers":[{"name":"sync","image":"/images/v2"}]}}`}, out: "pod/web-sync patched\n"},
			{args: []string{"pod/web-sync", "-p", `{"spec":{"containers":[{"name":"sync","image":"/images/v2"}]}}`}, out: "pod/web-sync patched (no change)\n"},
			{args: []string{"po", "web-sync", "--type", "json", "-p", `[{"op":"replace","path":"/spec/containers/0/image","value":"/images/v3"}]`}, out: "pod/web-sync patched\n"},
			{args: []string{"pod", "web-sync", "--type=merge", "-p", "metadata:\n  labels:\n    app: web\n"}, out: "pod/web-sync patched\n"},
			{args: []string{"pod", "web-sync", "--patch-file", file}, out: "pod/web-sync patched\n"},
			{stdin: `{"metadata":{"labels":{"from":"stdin"}}}`, args: []string{"pod", "web-sync", "--patch-file", "-"}, out: "pod/web-sync patched\n"},
			{args: []string{"pod", "web-sync", "-p", `{"metadata":{"labels":{"dry":"1"}}}`, "--dry-run=server"}, out: "pod/web-sync patched (server dry run)\n"},
			{args: []string{"pod", "web-sync", "-p", `{}`, "-o", "name"}, out: "pod/web-sync\n"},
			{args: []string{"pod", "web-sync"}, errOut: "error: must specify --patch or --patch-file containing the contents of the patch\n"},
			{args: []string{"pod", "web-sync", "-p", " "}, errOut: "error: the patch is empty\n"},
			{args: []string{"pod", "web-sync", "-p", "{"}, errOut: "error: unable to parse \"{\": "},
			{args: []string{"pod", "web-sync", "-p", "{}", "--type", "apply"}, errOut: "error: --type must be one of [json merge strategic], not \"apply\"\n"},
			{args: []string{"pod", "nope", "-p", "{}"}, errOut: "Error from server (NotFound): pods \"nope\" not found\n"},
			{args: []string{"svc", "web", "-p", "{}"}, errOut: "error: the server doesn't have a resource type \"svc\"\n"},
			{args: []string{"pod", "web-sync", "-p", `{"spec":{"restartPolicy":"Never"}}`}, errOut: "Error from server (Invalid): Pod \"web-sync\" is invalid: spec: Forbidden: pod updates may not change fields other than"},
			{args: []string{"pod", "web-sync", "--type", "json", "-p", `[{"op":"test","path":"/metadata/name","value":"x"}]`}, errOut: "Error from server (Invalid): the patch does not apply to the pod: "},
		} {
			out, errOut, _ := run(t, sock, tc.stdin, append([]string{"patch"}, tc.args...)...)
			if out != tc.out || !strings.HasPrefix(errOut, tc.errOut) || (tc.errOut == "") != (errOut == "") {
				t.Errorf("patch %q: out %q err %q, want %q %q", tc.args, out, errOut, tc.out, tc.errOut)
			}
		}
		out, _, _ := run(t, sock, "", "get", "pod", "web-sync", "-o", "jsonpath={.spec.containers[*].image} {.metadata.labels}")
		if want := `/images/v3 /images/v2 {"app":"web","from":"stdin"}`; out != want {
			t.Errorf("after the patches: %q, want %q", out, want)
		}
	})
}
