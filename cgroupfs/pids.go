package cgroupfs

import (
	"fmt"
	"path/filepath"
	"strconv"
)

// setPids writes pids.max (pids controller).
func setPids(dir string, r Resources) error {
	switch {
	case r.PidsMax < 0:
		return fmt.Errorf("%s: negative limit %d", filepath.Join(dir, "pids.max"), r.PidsMax)
	case r.PidsMax > 0:
		return writeFile(dir, "pids.max", strconv.FormatInt(r.PidsMax, 10))
	}
	return nil
}
