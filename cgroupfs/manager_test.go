package cgroupfs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestFreezeWritesCgroupFreeze(t *testing.T) {
	dir := fakeCgroup(t, "cgroup.freeze")
	var h Manager = Host{}
	if err := h.Freeze(dir, true); err != nil {
		t.Fatal(err)
	}
	if got := readTestFile(t, dir, "cgroup.freeze"); got != "1" {
		t.Errorf("frozen: cgroup.freeze = %q", got)
	}
	if err := h.Freeze(dir, false); err != nil {
		t.Fatal(err)
	}
	if got := readTestFile(t, dir, "cgroup.freeze"); got != "0" {
		t.Errorf("thawed: cgroup.freeze = %q", got)
	}
	if err := h.Freeze(filepath.Join(dir, "gone"), true); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Freeze(missing) = %v", err)
	}
}
