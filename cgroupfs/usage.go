package cgroupfs

import (
	"errors"
	"io/fs"
	"strconv"
	"strings"
)

// Usage is what a cgroup used, as kubectl top and cAdvisor read it.
type Usage struct {
	CPUUsec       uint64 // cpu.stat usage_usec: CPU time since the cgroup was made
	MemoryCurrent uint64 // memory.current
	// WorkingSet is memory.current less memory.stat inactive_file (cAdvisor's
	// container_memory_working_set_bytes, what kubectl top shows).
	WorkingSet uint64
}

// ReadUsage reads dir's cpu.stat, memory.current and memory.stat. A missing memory file
// (controller not enabled) leaves the memory figures 0; cpu.stat always exists on cgroup v2.
func ReadUsage(dir string) (Usage, error) {
	var u Usage
	cpu, err := readKeyed(dir, "cpu.stat")
	if err != nil {
		return u, err
	}
	u.CPUUsec = cpu["usage_usec"]
	data, err := readFile(dir, "memory.current")
	if errors.Is(err, fs.ErrNotExist) {
		return u, nil
	}
	if err != nil {
		return u, err
	}
	if u.MemoryCurrent, err = strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64); err != nil {
		return u, err
	}
	stat, err := readKeyed(dir, "memory.stat")
	if err != nil {
		return u, err
	}
	u.WorkingSet = u.MemoryCurrent - min(u.MemoryCurrent, stat["inactive_file"])
	return u, nil
}
