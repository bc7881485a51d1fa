package intree

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type entry struct {
	name, body, link string
	typ              byte
	mode             int64
}

func archive(t *testing.T, entries ...entry) *bytes.Buffer {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		if e.mode == 0 {
			e.mode = 0o644
		}
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Linkname: e.link, Size: int64(len(e.body))}
		if e.typ != tar.TypeReg {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if e.typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return &b
}

func openDir(t *testing.T, dir string) *os.File {
	t.Helper()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestReceiveHostileArchive: names out of the destination, links out of it and files through
// them, hardlinks and devices are skipped with a warning; nothing appears outside dest.
func TestReceiveHostileArchive(t *testing.T) {
	top := t.TempDir()
	outside := filepath.Join(top, "outside")
	if err := os.Mkdir(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	a := archive(t,
		entry{name: ".", typ: tar.TypeDir, mode: 0o755},
		entry{name: "../x", typ: tar.TypeReg, body: "dotdot"},
		entry{name: "/etc/x", typ: tar.TypeReg, body: "abs"},
		entry{name: "a/../../x", typ: tar.TypeReg, body: "dotdot2"},
		entry{name: "up", typ: tar.TypeSymlink, link: "../outside"},
		entry{name: "up/x", typ: tar.TypeReg, body: "through link"},
		entry{name: "abs", typ: tar.TypeSymlink, link: outside},
		entry{name: "abs/y", typ: tar.TypeReg, body: "through abs link"},
		entry{name: "hard", typ: tar.TypeLink, link: "../outside/z"},
		entry{name: "dev", typ: tar.TypeChar},
		entry{name: "ok", typ: tar.TypeReg, body: "fine", mode: 0o751},
		entry{name: "in", typ: tar.TypeSymlink, link: "ok"},
	)
	var warns []string
	err := Receive(openDir(t, top), "dest", a, Options{Warn: func(m string) { warns = append(warns, m) }, ConfineLinks: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"x", "etc", "outside/x", "outside/y", "outside/z"} {
		if _, err := os.Lstat(filepath.Join(top, p)); err == nil {
			t.Errorf("%s was written outside the destination", p)
		}
	}
	if len(warns) != 7 {
		t.Errorf("warnings %d, want 7:\n%s", len(warns), strings.Join(warns, "\n"))
	}
	st, err := os.Stat(filepath.Join(top, "dest/ok"))
	if err != nil || st.Mode().Perm() != 0o751 {
		t.Errorf("dest/ok: %v %v, want mode 0751", st, err)
	}
	if l, err := os.Readlink(filepath.Join(top, "dest/in")); err != nil || l != "ok" {
		t.Errorf("dest/in -> %q %v, want ok", l, err)
	}
}

// TestReceiveStrict: without Warn a hostile entry is an error naming it.
func TestReceiveStrict(t *testing.T) {
	err := Receive(openDir(t, t.TempDir()), "d", archive(t, entry{name: "../x", typ: tar.TypeReg}), Options{})
	if err == nil || !strings.Contains(err.Error(), `"../x"`) {
		t.Fatalf("err %v, want one naming ../x", err)
	}
}

// TestReceiveThroughExistingLink: inside a root, an existing subdir that is a symlink to "/"
// or ".." is resolved inside the root: nothing is written outside it.
func TestReceiveThroughExistingLink(t *testing.T) {
	top := t.TempDir()
	root := filepath.Join(top, "root")
	if err := os.MkdirAll(filepath.Join(root, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"d/slash": "/", "d/up": "../.."} {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	a := archive(t,
		entry{name: ".", typ: tar.TypeDir, mode: 0o755},
		entry{name: "slash", typ: tar.TypeDir, mode: 0o700},
		entry{name: "slash/tmp-x", typ: tar.TypeReg, body: "in root"},
		entry{name: "up/y", typ: tar.TypeReg, body: "in root too"},
	)
	if err := Receive(openDir(t, root), "/d", a, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/tmp-x", filepath.Join(top, "y")} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s written outside the root", p)
		}
	}
	for _, p := range []string{"tmp-x", "y"} {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Errorf("%s not written at the root: %v", p, err)
		}
	}
}

// TestReceiveLimits: the files' declared sizes and the number of entries are bounded; the entry
// that passes a bound is not written, those before it are.
func TestReceiveLimits(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    Options
		entries []entry
		want    string // the LimitError's entry and kind
		written []string
	}{
		{"bytes", Options{MaxBytes: 5}, []entry{{name: "a", body: "abc", typ: tar.TypeReg}, {name: "b", body: "abc", typ: tar.TypeReg}}, "b bytes", []string{"a"}},
		{"entries", Options{MaxEntries: 2}, []entry{{name: "d", typ: tar.TypeDir}, {name: "d/a", typ: tar.TypeReg}, {name: "d/b", typ: tar.TypeReg}}, "d/b entries", []string{"d", "d/a"}},
		{"within", Options{MaxBytes: 6, MaxEntries: 2}, []entry{{name: "a", body: "abc", typ: tar.TypeReg}, {name: "b", body: "abc", typ: tar.TypeReg}}, "", []string{"a", "b"}},
	} {
		top := t.TempDir()
		err := Receive(openDir(t, top), "dest", archive(t, tc.entries...), tc.opts)
		var le *LimitError
		got := ""
		if errors.As(err, &le) {
			got = le.Entry + " " + le.What
		} else if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		var written []string
		_ = filepath.Walk(filepath.Join(top, "dest"), func(p string, _ os.FileInfo, _ error) error {
			if rel, _ := filepath.Rel(filepath.Join(top, "dest"), p); rel != "." {
				written = append(written, rel)
			}
			return nil
		})
		if strings.Join(written, ",") != strings.Join(tc.written, ",") {
			t.Errorf("%s: wrote %v, want %v", tc.name, written, tc.written)
		}
	}
}
