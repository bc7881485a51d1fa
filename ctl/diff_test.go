package ctl

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
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

// KUBECTL_EXTERNAL_DIFF, as kubectl runs it: the program gets a LIVE and a MERGED directory
// with a file per object (none on the LIVE side for a new object) and kubectl's words of the
// variable (letters, digits, '-' and '=' only); its exit status is podctl's; the directories go
// afterwards; a program that cannot run is status 2. The program runs on podctl's side, never
// in podd.
func TestDiffExternalProgram(t *testing.T) {
	sock := serveFakeWithCommands(t)
	if _, errOut, code := thinPodctl(t, sock, diffPod, "apply", "-f", "-"); code != 0 {
		t.Fatalf("apply: %d %s", code, errOut)
	}
	dir := t.TempDir()
	prog := filepath.Join(dir, "mydiff")
	script := "#!/bin/sh\necho \"args: $*\"\nfor f in \"$1\"/* \"$2\"/*; do [ -e \"$f\" ] && { echo \"== $f\"; cat \"$f\"; }; done\n" +
		"echo \"$1 $2\" > " + dir + "/dirs\nexit ${DIFF_EXIT:-1}\n"
	if err := os.WriteFile(prog, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECTL_EXTERNAL_DIFF", prog+" -r --label=x ;rm  -N")
	changed := strings.Replace(diffPod, "/images/busybox", "/images/v2", 1) +
		"---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: new\nspec:\n  containers:\n  - {name: c, image: /images/x}\n"
	out, errOut, code := thinPodctl(t, sock, changed, "diff", "-f", "-")
	if code != 1 || errOut != "" {
		t.Errorf("external diff: status %d (want the program's 1), stderr %q", code, errOut)
	}
	if !regexp.MustCompile(`^args: \S+/LIVE-\d+ \S+/MERGED-\d+ -r --label=x -N\n`).MatchString(out) {
		t.Errorf("the program's arguments: %q", out)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`== \S+/LIVE-\d+/v1\.Pod\.default\.web\n(.*\n)*  - image: /images/busybox\n`),
		regexp.MustCompile(`== \S+/MERGED-\d+/v1\.Pod\.default\.web\n(.*\n)*  - image: /images/v2\n`),
		regexp.MustCompile(`== \S+/MERGED-\d+/v1\.Pod\.default\.new\n`),
	} {
		if !want.MatchString(out) {
			t.Errorf("the program's output lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "LIVE-") && regexp.MustCompile(`/LIVE-\d+/v1\.Pod\.default\.new`).MatchString(out) {
		t.Errorf("a new object has a LIVE file:\n%s", out)
	}
	dirs, _ := os.ReadFile(filepath.Join(dir, "dirs"))
	for _, d := range strings.Fields(string(dirs)) {
		if _, err := os.Stat(d); err == nil {
			t.Errorf("%s is left after the diff", d)
		}
	}
	for _, tc := range []struct{ exit, want int }{{0, 0}, {3, 3}} {
		t.Setenv("DIFF_EXIT", strconv.Itoa(tc.exit))
		if _, errOut, code := thinPodctl(t, sock, changed, "diff", "-f", "-"); code != tc.want {
			t.Errorf("program exiting %d: podctl's status %d, want %d (%s)", tc.exit, code, tc.want, errOut)
		}
	}
	t.Setenv("KUBECTL_EXTERNAL_DIFF", filepath.Join(dir, "missing"))
	if _, errOut, code := thinPodctl(t, sock, changed, "diff", "-f", "-"); code != 2 || !strings.HasPrefix(errOut, `error: failed to run "`+dir+`/missing"`) {
		t.Errorf("a program that cannot run: %d %q", code, errOut)
	}
	if got, _, _ := thinPodctl(t, sock, "", "get", "pods", "-o", "name"); got != "pod/web\n" {
		t.Errorf("the diff changed the pods: %q", got)
	}
	// podd's own diff never runs the program, whatever its environment says.
	t.Setenv("KUBECTL_EXTERNAL_DIFF", prog)
	_, s := serveFake(t)
	if out, _, code := podctl(t, s, diffPod, "diff", "-f", "-"); code != 1 || strings.HasPrefix(out, "args:") {
		t.Errorf("in podd: %d %q", code, out)
	}
}
