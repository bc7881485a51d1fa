package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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

func TestFailedWriteLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "pod.json")
	if err := os.Mkdir(target, 0o700); err != nil { // a rename over a directory fails
		t.Fatal(err)
	}
	if err := Write(target, []byte("x"), false); err == nil {
		t.Fatal("Write over a directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only the directory pod.json", len(entries))
	}
}

// BenchmarkWrite times a pod record's write, as podd's apply and delete make it, and reports
// the process's CPU time (user + system) per write, which other load moves less than ns/op.
func BenchmarkWrite(b *testing.B) {
	path := filepath.Join(b.TempDir(), "pod.json")
	data := []byte(strings.Repeat("x", 2048))
	cpu0 := cpuTime(b)
	for b.Loop() {
		if err := Write(path, data, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(b.N), "cpu-us/op")
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
