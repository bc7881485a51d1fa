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
