// Package atomicfile writes a file so that readers see the old content or the new, never a part:
// a temporary file in the same directory, renamed over the target.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Write replaces path with data. With sync the data is flushed to disk before the rename; a
// rename alone already survives a crash of the writing process.
func Write(path string, data []byte, sync bool) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = tmp.Write(data)
	if err == nil && sync {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		// Only a failed write leaves the temporary file: after the rename, removing it was
		// two wasted system calls per write (unlink, then rmdir, both ENOENT).
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
