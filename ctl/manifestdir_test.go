package ctl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// manifestDir is a directory as a user keeps manifests: pods in .yaml/.yml/.json, a README that
// is not one, and a subdirectory only -R reads.
func manifestDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	pod := func(name string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + "}\nspec:\n  containers: [{name: c, image: /images/busybox}]\n"
	}
	files := map[string]string{
		"a.yaml":      pod("a"),
		"b.yml":       pod("b"),
		"c.json":      `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"c"},"spec":{"containers":[{"name":"c","image":"/images/busybox"}]}}`,
		"README.md":   "not a manifest",
		"sub/d.yaml":  pod("d"),
		"sub/notes":   "neither",
		"sub/e/e.yml": pod("e"),
	}
	for name, data := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// -f DIR applies the manifests of the directory, in name order, as kubectl does; -R those of
// its subdirectories too; delete -f DIR deletes them. The same through podd's podctl route,
// where podctl reads the directory and podd never sees it.
func TestApplyDirectory(t *testing.T) {
	dir := manifestDir(t)
	viaBoth(t, func(t *testing.T, run podctlRun, sock string) {
		out, errOut, code := run(t, sock, "", "apply", "-f", dir)
		if code != 0 || out != "pod/a created\npod/b created\npod/c created\n" {
			t.Fatalf("apply -f DIR: %d %q %q", code, out, errOut)
		}
		out, errOut, code = run(t, sock, "", "apply", "-R", "-f", dir)
		if code != 0 || !strings.HasSuffix(out, "pod/c unchanged\npod/d created\npod/e created\n") {
			t.Fatalf("apply -R -f DIR: %d %q %q", code, out, errOut)
		}
		out, errOut, code = run(t, sock, "", "delete", "-f", filepath.Join(dir, "sub"), "-R")
		if code != 0 || out != "pod \"d\" deleted\npod \"e\" deleted\n" {
			t.Fatalf("delete -R -f DIR: %d %q %q", code, out, errOut)
		}
		_, errOut, code = run(t, sock, "", "apply", "-f", filepath.Join(dir, "missing"))
		if code == 0 || !strings.Contains(errOut, "missing: no such file or directory") {
			t.Fatalf("apply -f of a missing path: %d %q", code, errOut)
		}
	})
}

// podctlRun runs a podctl command line against sock: stdout, stderr, exit status.
type podctlRun func(t *testing.T, sock, stdin string, args ...string) (string, string, int)

// viaBoth runs f with podctl running the command itself against a fake podd ("in podd": the
// ctl package in-process), then as the podctl binary does, through podd's podctl route.
func viaBoth(t *testing.T, f func(t *testing.T, run podctlRun, sock string)) {
	for _, via := range []struct {
		name string
		run  podctlRun
		sock func(t *testing.T) string
	}{
		{"in podd", podctl, func(t *testing.T) string { _, s := serveFake(t); return s }},
		{"forwarded", thinPodctl, serveFakeWithCommands},
	} {
		t.Run(via.name, func(t *testing.T) { f(t, via.run, via.sock(t)) })
	}
}
