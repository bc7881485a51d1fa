package cgroupfs

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReadUsage(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("cpu.stat", "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n")
	u, err := ReadUsage(dir)
	if err != nil || u != (Usage{CPUUsec: 1500000}) {
		t.Fatalf("cpu only: %+v %v", u, err)
	}
	write("memory.current", "10485760\n")
	write("memory.stat", "anon 8388608\nfile 2097152\ninactive_file 1048576\n")
	u, err = ReadUsage(dir)
	if err != nil || u != (Usage{CPUUsec: 1500000, MemoryCurrent: 10485760, WorkingSet: 9437184}) {
		t.Fatalf("cpu and memory: %+v %v", u, err)
	}
}
