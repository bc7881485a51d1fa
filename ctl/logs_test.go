package ctl

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestLogsBadTimeOptions: --since and --since-time select by time since issue 9 (before,
// podctl refused them: logs had no timestamps); bad values are refused before any request.
func TestLogsBadTimeOptions(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "none.sock")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--since", "yesterday"}, "--since: invalid value"},
		{[]string{"--since", "-5s"}, "--since: invalid value"},
		{[]string{"--since-time", "2024-01-01"}, "--since-time: invalid value"},
		{[]string{"--since", "5s", "--since-time", "2024-01-01T00:00:00Z"}, "at most one of"},
	} {
		_, stderr, code := podctl(t, sock, "", append([]string{"logs", "web"}, tc.args...)...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("podctl logs web %s: exit %d, stderr %q; want %q", strings.Join(tc.args, " "), code, stderr, tc.want)
		}
	}
}

func TestLineWriterPrefixesWholeLines(t *testing.T) {
	var out strings.Builder
	lw := &lineWriter{out: &out, prefix: []byte("[pod/a/b] ")}
	for _, p := range []string{"one\ntw", "o\n", "", "three"} {
		lw.Write([]byte(p))
	}
	lw.Close()
	if want := "[pod/a/b] one\n[pod/a/b] two\n[pod/a/b] three"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}
