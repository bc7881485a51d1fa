package intree

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func listArchive(t *testing.T, b *bytes.Buffer) map[string]*tar.Header {
	t.Helper()
	got := map[string]*tar.Header{}
	tr := tar.NewReader(b)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return got
		}
		if err != nil {
			t.Fatal(err)
		}
		got[hdr.Name] = hdr
	}
}

// TestSendLinksNotFollowed: a tree holding symlinks to "/" and ".." sends them as links; the
// top named through a symlink to "/etc/passwd" is resolved inside the root, not the host.
func TestSendLinksNotFollowed(t *testing.T) {
	root := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(root, "t/sub"), 0o750))
	must(t, os.WriteFile(filepath.Join(root, "t/sub/f"), []byte("hello"), 0o640))
	must(t, os.Symlink("/", filepath.Join(root, "t/slash")))
	must(t, os.Symlink("..", filepath.Join(root, "t/up")))
	must(t, os.MkdirAll(filepath.Join(root, "etc"), 0o755))
	must(t, os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("root's own"), 0o644))
	must(t, os.Symlink("/etc/passwd", filepath.Join(root, "pw")))
	var b bytes.Buffer
	if err := Send(openDir(t, root), "/t", &b, nil); err != nil {
		t.Fatal(err)
	}
	got := listArchive(t, &b)
	if len(got) != 5 {
		t.Errorf("entries %v, want ., sub, sub/f, slash, up", got)
	}
	if h := got["sub/f"]; h == nil || h.Mode != 0o640 || h.Size != 5 {
		t.Errorf("sub/f: %+v", h)
	}
	if h := got["sub"]; h == nil || h.Mode != 0o750 || h.Typeflag != tar.TypeDir {
		t.Errorf("sub: %+v", h)
	}
	for name, target := range map[string]string{"slash": "/", "up": ".."} {
		if h := got[name]; h == nil || h.Typeflag != tar.TypeSymlink || h.Linkname != target {
			t.Errorf("%s: %+v, want a link to %s", name, h, target)
		}
	}
	b.Reset()
	if err := Send(openDir(t, root), "/pw", &b, nil); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(&b)
	if _, err := tr.Next(); err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(tr)
	if string(body) != "root's own" {
		t.Errorf("/pw read %q, want the root's /etc/passwd", body)
	}
}

func TestSendMissing(t *testing.T) {
	err := Send(openDir(t, t.TempDir()), "/nope", io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "/nope: Cannot stat: No such file or directory") {
		t.Fatalf("err %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
