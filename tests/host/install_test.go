package host

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMakeInstall: `make install PREFIX=DIR` puts podd, podd-nsinit and podctl in DIR/bin and
// podctl's completion scripts where bash-completion and zsh look; the installed podctl talks to
// podd, and its bash completion completes verbs, a verb's flags and pod names (asked of podd).
func TestMakeInstall(t *testing.T) {
	prefix := t.TempDir()
	cmd := exec.Command("make", "-C", repoDir, "install", "PREFIX="+prefix)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}
	for _, f := range []string{"bin/podd", "bin/podd-nsinit", "bin/podctl", "share/bash-completion/completions/podctl", "share/zsh/site-functions/_podctl"} {
		fi, err := os.Stat(filepath.Join(prefix, f))
		if err != nil || (strings.HasPrefix(f, "bin/") && fi.Mode().Perm() != 0o755) {
			t.Errorf("%s: %v %v", f, fi, err)
		}
	}
	d := StartPodd(t)
	d.Apply(steadyPod)
	podctl := filepath.Join(prefix, "bin/podctl")
	complete := func(words ...string) string {
		script := `source ` + filepath.Join(prefix, "share/bash-completion/completions/podctl") + `
COMP_WORDS=(` + strings.Join(quoteAll(words), " ") + `); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_podctl_complete; echo "${COMPREPLY[*]}"`
		c := exec.Command("bash", "-c", script)
		c.Env = append(os.Environ(), "PATH="+filepath.Dir(podctl)+":"+os.Getenv("PATH"), "PODD_SOCKET="+d.Socket)
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("completion of %v: %v\n%s", words, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	for _, tc := range []struct {
		words []string
		want  string
	}{
		{[]string{"podctl", "at"}, "attach"},
		{[]string{"podctl", "attach", "--st"}, "--stdin"},
		{[]string{"podctl", "logs", "ste"}, "steady"},
		{[]string{"podctl", "-n", "default", "exec", ""}, "steady"},
	} {
		if got := complete(tc.words...); got != tc.want {
			t.Errorf("completion of %q: %q, want %q", tc.words, got, tc.want)
		}
	}
	if out, err := exec.Command("zsh", "-n", filepath.Join(prefix, "share/zsh/site-functions/_podctl")).CombinedOutput(); err != nil && !strings.Contains(err.Error(), "executable file not found") {
		t.Errorf("zsh -n _podctl: %v\n%s", err, out)
	}
}

func quoteAll(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = "'" + w + "'"
	}
	return out
}
