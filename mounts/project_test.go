package mounts

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProjectWritesAtomicWriterLayout(t *testing.T) {
	dir := t.TempDir()
	files := []File{
		{Path: "greeting", Data: []byte("hello"), Mode: 0o644},
		{Path: "db/password", Data: []byte("s3cret"), Mode: 0o400},
	}
	must(t, Project(dir, files))
	ts, err := os.Readlink(filepath.Join(dir, "..data"))
	if err != nil || !strings.HasPrefix(ts, "..") || strings.Contains(ts, "/") {
		t.Fatalf("..data -> %q, %v: want a ..<timestamp> sibling", ts, err)
	}
	for name, want := range map[string]string{"greeting": "..data/greeting", "db": "..data/db"} {
		if got, err := os.Readlink(filepath.Join(dir, name)); err != nil || got != want {
			t.Errorf("%s -> %q (%v), want %q", name, got, err, want)
		}
	}
	checkFile(t, filepath.Join(dir, "greeting"), "hello", 0o644)
	checkFile(t, filepath.Join(dir, "db", "password"), "s3cret", 0o400)

	// An update swaps ..data: new content, a dropped key's link gone, the old directory removed.
	must(t, Project(dir, []File{{Path: "greeting", Data: []byte("bonjour"), Mode: 0o600}}))
	checkFile(t, filepath.Join(dir, "greeting"), "bonjour", 0o600)
	if _, err := os.Lstat(filepath.Join(dir, "db")); !os.IsNotExist(err) {
		t.Errorf("db still there after it was dropped: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ts)); !os.IsNotExist(err) {
		t.Errorf("the previous %s is still there: %v", ts, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 { // ..data, ..<ts>, greeting
		t.Errorf("entries after the update: %v", entries)
	}
}

func TestProjectRefusesBadPaths(t *testing.T) {
	for _, p := range []string{"", "/abs", "..x", "a/../../b", "../b"} {
		if err := Project(t.TempDir(), []File{{Path: p, Data: nil, Mode: 0o644}}); err == nil {
			t.Errorf("path %q accepted", p)
		}
	}
}

func checkFile(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || string(b) != data {
		t.Errorf("%s: %q, %v; want %q", path, b, err, data)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != mode {
		t.Errorf("%s: mode %v (%v), want %v", path, st.Mode().Perm(), err, mode)
	}
}

// BenchmarkProject10Keys is the projection of a 10-key configMap (100-byte values) into a
// volume directory on the test's disk: what a pod's configMap volume costs at apply and at
// each update.
func BenchmarkProject10Keys(b *testing.B) {
	dir := b.TempDir()
	files := make([]File, 10)
	for i := range files {
		files[i] = File{Path: fmt.Sprintf("key-%d", i), Data: []byte(strings.Repeat("v", 100)), Mode: 0o644}
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := Project(dir, files); err != nil {
			b.Fatal(err)
		}
	}
}
