package cgroupfs

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
)

// setMemory writes memory.max, then memory.swap.max and memory.oom.group when their files
// exist (memory controller).
func setMemory(dir string, r Resources) error {
	if r.MemoryMax < 0 {
		return fmt.Errorf("%s: negative limit %d", filepath.Join(dir, "memory.max"), r.MemoryMax)
	}
	if r.SwapMax != nil && *r.SwapMax < 0 {
		return fmt.Errorf("%s: negative limit %d", filepath.Join(dir, "memory.swap.max"), *r.SwapMax)
	}
	if r.MemoryMax > 0 {
		if err := writeFile(dir, "memory.max", strconv.FormatInt(r.MemoryMax, 10)); err != nil {
			return err
		}
	}
	if r.SwapMax != nil {
		if err := writeOptional(dir, "memory.swap.max", strconv.FormatInt(*r.SwapMax, 10)); err != nil {
			return err
		}
	}
	if r.OOMGroup {
		if err := writeOptional(dir, "memory.oom.group", "1"); err != nil {
			return err
		}
	}
	return nil
}

// MemoryEvents parses dir/memory.events ("low", "high", "max", "oom", "oom_kill",
// "oom_group_kill", ...). The counts cover dir and its descendants (unless cgroup2 is mounted
// with memory_localevents).
func MemoryEvents(dir string) (map[string]uint64, error) {
	return readKeyed(dir, "memory.events")
}

// OOMKilled reports whether the kernel OOM killer killed a process in dir (memory.events
// oom_kill > 0). Without a memory.events file (memory controller not enabled) it reports
// false and no error.
func OOMKilled(dir string) (bool, error) {
	m, err := MemoryEvents(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	return m["oom_kill"] > 0, nil
}
