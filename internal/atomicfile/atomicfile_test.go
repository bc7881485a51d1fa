package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteReplacesAndLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pod.json")
	for _, content := range []string{"first", "second"} {
		for _, sync := range []bool{false, true} {
			if err := Write(path, []byte(content), sync); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(path); string(got) != content {
				t.Fatalf("content %q, want %q", got, content)
			}
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only pod.json", len(entries))
	}
}

func TestWriteNamesThePathOnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing-dir", "pod.json")
	if err := Write(path, nil, false); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v does not name %s", err, path)
	}
}
