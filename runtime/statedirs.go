package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"

	"golang.org/x/sys/unix"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// stateDir is one of podd's own directories, which no pod may mount.
type stateDir struct{ path, what string }

func (rt *Runtime) stateDirs() []stateDir {
	return []stateDir{
		{rt.opts.Root, "podd's state directory"},
		{rt.opts.Run, "podd's run directory (API socket)"},
		{rt.opts.LogDir, "podd's log directory"},
	}
}

// fileID is what makes two paths the same directory, whatever symlink or bind mount leads there.
type fileID struct{ dev, ino uint64 }

// checkStateDirs refuses a hostPath that is, is inside, or is an ancestor of one of dirs: it
// would hand the container podd's records and images, its API socket or every pod's logs.
// Symlinks are resolved on the host and directories compared by device and inode, so neither
// a symlink to a state directory nor a bind mount of one elsewhere gets around it. A path
// that does not exist yet (DirectoryOrCreate) is judged by its longest existing prefix.
func checkStateDirs(hostPath string, dirs []stateDir, p *field.Path) error {
	host, whole, err := existingPrefix(hostPath)
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	hostIDs, err := ancestry(host)
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	for _, d := range dirs {
		dir, err := filepath.EvalSymlinks(d.path)
		if err != nil {
			return fmt.Errorf("%s: %w", d.what, err)
		}
		dirIDs, err := ancestry(dir)
		if err != nil {
			return fmt.Errorf("%s: %w", d.what, err)
		}
		var rel string
		switch {
		case whole && hostIDs[0] == dirIDs[0]:
			rel = "is"
		case slices.Contains(hostIDs, dirIDs[0]):
			rel = "is inside"
		case whole && slices.Contains(dirIDs, hostIDs[0]):
			rel = "is an ancestor of"
		default:
			continue
		}
		return field.Forbidden(p, fmt.Sprintf("%q %s %s %s", hostPath, rel, d.what, d.path))
	}
	return nil
}

// existingPrefix resolves the longest existing prefix of path, symlinks followed; whole
// reports whether that is path itself.
func existingPrefix(path string) (resolved string, whole bool, err error) {
	clean := filepath.Clean(path)
	for p := clean; ; p = filepath.Dir(p) {
		r, err := filepath.EvalSymlinks(p)
		if err == nil {
			return r, p == clean, nil
		}
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, unix.ENOTDIR) {
			return "", false, err
		}
	}
}

// ancestry is the identity of the resolved path and of each directory above it, its own first.
func ancestry(resolved string) ([]fileID, error) {
	var ids []fileID
	for p := resolved; ; p = filepath.Dir(p) {
		var st unix.Stat_t
		if err := unix.Stat(p, &st); err != nil {
			return nil, &fs.PathError{Op: "stat", Path: p, Err: err}
		}
		ids = append(ids, fileID{st.Dev, st.Ino})
		if p == "/" || p == "." {
			return ids, nil
		}
	}
}
