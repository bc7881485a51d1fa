package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var rateLine = regexp.MustCompile(`^lines 1000 in [0-9.]+ s: [0-9]+ lines/s\n$`)

// testLines: `lines` writes exactly COUNT lines of BYTES to stdout or to a file, and its rate on
// stderr.
func testLines(t *testing.T, bin string) {
	want := strings.Repeat(strings.Repeat("x", 63)+"\n", 1000)
	cmd := exec.Command(bin, "lines", "1000", "64")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || string(out) != want || !rateLine.MatchString(stderr.String()) {
		t.Errorf("lines 1000 64: %v, %d bytes on stdout (want %d), stderr %q", err, len(out), len(want), stderr.String())
	}
	f := filepath.Join(t.TempDir(), "out")
	cmd = exec.Command(bin, "lines", "1000", "64", f)
	stderr.Reset()
	cmd.Stderr = &stderr
	if out, err := cmd.Output(); err != nil || len(out) != 0 || !rateLine.MatchString(stderr.String()) {
		t.Errorf("lines 1000 64 FILE: %v, stdout %q, stderr %q", err, out, stderr.String())
	}
	if data, err := os.ReadFile(f); err != nil || string(data) != want {
		t.Errorf("lines 1000 64 FILE wrote %d bytes (%v), want %d", len(data), err, len(want))
	}
}
