package ctl

import (
	"strings"
	"testing"
)

// prunePods are pods a, b (labels app=web) and c (app=db) as a file would give them.
func prunePods(names ...string) string {
	var docs []string
	for _, n := range names {
		app := "web"
		if n == "c" {
			app = "db"
		}
		docs = append(docs, "apiVersion: v1\nkind: Pod\nmetadata: {name: "+n+", labels: {app: "+app+"}}\nspec:\n  containers:\n  - {name: c, image: /images/busybox}\n")
	}
	return strings.Join(docs, "---\n")
}

// apply -l applies only the documents it selects; --prune then deletes the pods an apply made
// that the files no longer have, among those -l selects (or all, with --all); a pod never
// applied (created) is kept; --dry-run prunes nothing; misuse says why, before applying.
func TestApplyPrune(t *testing.T) {
	viaBoth(t, func(t *testing.T, run podctlRun, sock string) {
		run(t, sock, prunePods("a", "b", "c"), "apply", "-f", "-")
		run(t, sock, prunePods("kept"), "create", "-f", "-")
		pods := func() string { out, _, _ := run(t, sock, "", "get", "pods", "-o", "name"); return out }
		for _, tc := range []struct {
			stdin  string
			args   []string
			out    string
			errOut string
			pods   string
		}{
			{prunePods("a", "c"), []string{"--prune"}, "", "error: all resources selected for prune without explicitly passing --all.", "pod/a\npod/b\npod/c\npod/kept\n"},
			{prunePods("a"), []string{"--all"}, "", "error: --all is only valid with --prune\n", "pod/a\npod/b\npod/c\npod/kept\n"},
			{prunePods("a", "c"), []string{"-l", "app=web"}, "pod/a unchanged\n", "", "pod/a\npod/b\npod/c\npod/kept\n"},
			{prunePods("a", "c"), []string{"-l", "app=web", "--prune", "--dry-run=server"}, "pod/a unchanged (server dry run)\npod/b pruned (server dry run)\n", "", "pod/a\npod/b\npod/c\npod/kept\n"},
			{prunePods("a", "c"), []string{"-l", "app=web", "--prune"}, "pod/a unchanged\npod/b pruned\n", "", "pod/a\npod/c\npod/kept\n"},
			{prunePods("c"), []string{"--prune", "--all"}, "pod/c unchanged\npod/a pruned\n", "", "pod/c\npod/kept\n"},
		} {
			out, errOut, _ := run(t, sock, tc.stdin, append([]string{"apply", "-f", "-"}, tc.args...)...)
			if out != tc.out || !strings.HasPrefix(errOut, tc.errOut) || (tc.errOut == "") != (errOut == "") {
				t.Errorf("apply %q: out %q err %q, want %q %q", tc.args, out, errOut, tc.out, tc.errOut)
			}
			if got := pods(); got != tc.pods {
				t.Errorf("apply %q: pods %q, want %q", tc.args, got, tc.pods)
			}
		}
	})
}
