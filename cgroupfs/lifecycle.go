package cgroupfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Kill kills every process in the cgroup dir and its descendants by writing "1" to
// cgroup.kill (Linux >= 5.14). When cgroup.kill does not exist (older kernel) it falls back
// to freezing the cgroup when cgroup.freeze exists, sending SIGKILL to every pid listed in
// cgroup.procs of dir and its descendants, and thawing; it refuses to do that to a root
// cgroup (where cgroup.kill never exists). Kill does not wait for the processes
// to exit: wait for Populated to turn false (or for the reaper) before Remove.
func Kill(dir string) error {
	err := writeFile(dir, "cgroup.kill", "1")
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if _, serr := os.Stat(dir); serr != nil {
		return err // the cgroup itself is gone: report the cgroup.kill error
	}
	return killByProcs(dir)
}

// killByProcs is Kill without cgroup.kill: freeze dir when cgroup.freeze exists (Linux >=
// 5.2) so nothing forks meanwhile, SIGKILL every pid of dir and its descendants, thaw.
func killByProcs(dir string) error {
	if isRootCgroup(dir) {
		// The root cgroup has no cgroup.kill on any kernel; its cgroup.procs may list every
		// process of the host (podd included).
		return fmt.Errorf("kill %s: refusing to SIGKILL the processes of a root cgroup", dir)
	}
	frozen := Freeze(dir, true) == nil
	err := signalTree(dir, unix.SIGKILL)
	if frozen {
		// SIGKILL is delivered to frozen tasks; thaw so the cgroup can be reused.
		if terr := Freeze(dir, false); err == nil {
			err = terr
		}
	}
	return err
}

// isRootCgroup reports whether dir is the root of a cgroup2 hierarchy: on cgroup2, only the
// root lacks cgroup.type (CFTYPE_NOT_ON_ROOT).
func isRootCgroup(dir string) bool {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil || st.Type != unix.CGROUP2_SUPER_MAGIC {
		return false
	}
	_, err := os.Lstat(filepath.Join(dir, "cgroup.type"))
	return errors.Is(err, fs.ErrNotExist)
}

// signalTree sends sig to every pid in cgroup.procs of dir and its descendants, repeating
// the walk while it finds pids it has not signalled yet (a process forking meanwhile), up to
// a few passes.
func signalTree(dir string, sig unix.Signal) error {
	done := make(map[int]bool)
	for pass := 0; pass < 10; pass++ {
		found := false
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if path != dir && errors.Is(err, fs.ErrNotExist) {
					return nil // a child cgroup removed meanwhile
				}
				return err
			}
			if !d.IsDir() {
				return nil
			}
			pids, err := readPids(path)
			if err != nil {
				if path != dir && errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			for _, pid := range pids {
				if done[pid] {
					continue
				}
				done[pid] = true
				found = true
				if err := unix.Kill(pid, sig); err != nil && err != unix.ESRCH {
					return fmt.Errorf("kill %d (from %s): %w", pid, filepath.Join(path, "cgroup.procs"), err)
				}
			}
			return nil
		})
		if err != nil || !found {
			return err
		}
	}
	return nil
}

// Pids returns the pids listed in dir/cgroup.procs (not those of descendant cgroups).
func Pids(dir string) ([]int, error) { return readPids(dir) }

func readPids(dir string) ([]int, error) {
	data, err := readFile(dir, "cgroup.procs")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, f := range strings.Fields(string(data)) {
		pid, err := strconv.Atoi(f)
		if err != nil || pid <= 0 {
			return nil, fmt.Errorf("parse %s: bad pid %q", filepath.Join(dir, "cgroup.procs"), f)
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

// removeRetry is how long Remove keeps retrying rmdir on EBUSY (a cgroup whose last process
// has just exited can stay busy for a moment).
const removeRetry = 100 * time.Millisecond

// Remove removes the cgroup dir and every cgroup below it, children first. rmdir is retried
// on EBUSY, sleeping 1ms, for up to about 100ms in total; a directory that does not exist is
// fine. The processes must be gone (Kill, then wait) or rmdir fails with EBUSY.
func Remove(dir string) error {
	return removeTree(dir, time.Now().Add(removeRetry))
}

func removeTree(dir string, deadline time.Time) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := removeTree(filepath.Join(dir, e.Name()), deadline); err != nil {
				return err
			}
		}
	}
	for {
		err := unix.Rmdir(dir)
		switch {
		case err == nil || err == unix.ENOENT:
			return nil
		case err == unix.EBUSY && time.Now().Before(deadline):
			time.Sleep(time.Millisecond)
		default:
			return fmt.Errorf("rmdir %s: %w", dir, err)
		}
	}
}
