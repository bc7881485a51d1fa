package cgroupfs

import (
	"fmt"
	"path/filepath"
	"strconv"
)

// setCPU writes cpu.weight and cpu.max (cpu controller).
func setCPU(dir string, r Resources) error {
	if r.CPUWeight != 0 {
		if r.CPUWeight > MaxWeight {
			return fmt.Errorf("%s: weight %d is outside %d..%d", filepath.Join(dir, "cpu.weight"), r.CPUWeight, MinWeight, MaxWeight)
		}
		if err := writeFile(dir, "cpu.weight", strconv.FormatUint(r.CPUWeight, 10)); err != nil {
			return err
		}
	}
	if r.CPUMax != "" {
		if err := writeFile(dir, "cpu.max", r.CPUMax); err != nil {
			return err
		}
	}
	return nil
}

// CPUMaxUnlimited is the cpu.max value without a quota.
var CPUMaxUnlimited = "max " + strconv.Itoa(CPUPeriod)

// SetCPUMax writes cpu.max alone: podd lifts a container's limit (CPUMaxUnlimited) while
// podd-nsinit sets the container up, and writes the real one once the command has been exec'd,
// so the setup never runs throttled. An empty value writes nothing (no limit was asked for).
// The error names the file and the value.
func SetCPUMax(dir, value string) error {
	if value == "" {
		return nil
	}
	return writeFile(dir, "cpu.max", value)
}
