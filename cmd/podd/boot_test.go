package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestManifestFiles: only *.yaml, *.yml and *.json regular files are applied.
func TestManifestFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.yaml", "b.yml", "c.json", "d.js", "e.y", "f.ym", "g.yaml~", "h", ".yaml", "i.JSON"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := manifestFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range got {
		names = append(names, filepath.Base(p))
	}
	want := []string{".yaml", "a.yaml", "b.yml", "c.json"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("manifestFiles = %q, want %q", names, want)
	}
}

// TestReadManifestHostile: a hostile file is an error naming the reason, never a crash.
func TestReadManifestHostile(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"deep.json":    strings.Repeat("[", 2_000_000),
		"deep.yaml":    "kind: Pod\nx: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000),
		"deepobj.json": strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000),
		"garbage.yaml": "\x00\x01\xff: [",
		"big.yaml":     "# " + strings.Repeat("x", 4<<20),
	}
	want := map[string]string{
		"deep.json": "depth", "deep.yaml": "nesting depth", "deepobj.json": "nesting depth",
		"garbage.yaml": "", "big.yaml": "larger than 3145728 bytes",
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := readManifest(path)
		if err == nil || !strings.Contains(err.Error(), want[name]) {
			t.Errorf("%s: got %v, want an error with %q", name, err, want[name])
		}
	}
}

// TestKernelFlags: podd.KEY=VALUE parameters podd's flags would refuse are reported and
// dropped; the others are kept in order.
func TestKernelFlags(t *testing.T) {
	in := []string{"--run=/test/script", "--bogus=1", "--pids-limit=abc", "--manifests=/etc/podd/manifests",
		"--pod-cidr=nonsense", "--help", "--root=relative", "--pids-limit=100", "--bridge=",
		"--log-max-size=1", "--log-max-files=1", "--log-max-size=20Mi"}
	var report bytes.Buffer
	got := kernelFlags(app(true), in, &report)
	want := []string{"--run=/test/script", "--manifests=/etc/podd/manifests", "--pids-limit=100", "--bridge=", "--log-max-size=20Mi"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("kept %q, want %q", got, want)
	}
	for _, w := range []string{"podd.bogus=1 ignored", "podd.pids-limit=abc ignored", "podd.pod-cidr=nonsense ignored",
		"podd.help ignored", "podd.root=relative ignored"} {
		if !strings.Contains(report.String(), w) {
			t.Errorf("report lacks %q:\n%s", w, report.String())
		}
	}
}
