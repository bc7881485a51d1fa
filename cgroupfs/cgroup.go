// Package cgroupfs reads and writes the cgroup v2 files podd uses: one file per controller
// (cpu.go, memory.go, pids.go), the formulas that turn a Pod's requests and limits into file
// values (convert.go), cgroup lifecycle (this file) and locating the v2 mount (mount.go).
//
// Every function takes the cgroup directory, so everything can be exercised on a plain
// directory: the package never creates a control file, it only opens existing ones for
// writing (O_WRONLY|O_TRUNC, no O_CREAT), which is also what cgroupfs allows. Write errors
// name the file and the value, e.g.
//
//	write /sys/fs/cgroup/podd/pods/x/web/memory.max "67108864": device or resource busy
//
// and wrap the errno, so errors.Is(err, unix.EBUSY) works.
package cgroupfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Resources are the values podd writes; zero values mean "leave the kernel default".
type Resources struct {
	CPUWeight uint64 // cpu.weight, 1..10000; 0 = don't write
	CPUMax    string // cpu.max e.g. "50000 100000" or "max 100000"; "" = don't write
	MemoryMax int64  // memory.max in bytes; 0 = don't write ("max")
	PidsMax   int64  // pids.max; 0 = don't write
	OOMGroup  bool   // memory.oom.group = 1 (written only if the file exists)
	SwapMax   *int64 // memory.swap.max (written only if the file exists)
}

// Set writes r into the cgroup dir, one controller at a time. Fields at their zero value are
// not written. memory.oom.group and memory.swap.max are skipped when the file does not exist
// (memory controller not enabled, or no swap accounting): they are hygiene, not a limit the
// user asked for. Every other file must exist; use CheckPod first to refuse pods whose
// limits cannot be enforced.
func Set(dir string, r Resources) error {
	if err := setCPU(dir, r); err != nil {
		return err
	}
	if err := setMemory(dir, r); err != nil {
		return err
	}
	return setPids(dir, r)
}

// Create makes the cgroup directory dir (mode 0755). An existing directory is fine; parents
// are not created (each level needs its controllers enabled by its parent anyway).
func Create(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}

// Controllers returns the controllers listed in dir/cgroup.controllers, i.e. the ones that
// dir's parent made available to dir.
func Controllers(dir string) (map[string]bool, error) {
	data, err := readFile(dir, "cgroup.controllers")
	if err != nil {
		return nil, err
	}
	m := make(map[string]bool)
	for _, c := range strings.Fields(string(data)) {
		m[c] = true
	}
	return m, nil
}

// EnableControllers enables, for dir's children, those of ctrls that are listed in
// dir/cgroup.controllers, with a single write of "+cpu +memory ..." to
// dir/cgroup.subtree_control. Controllers not available in dir are silently left out (use
// CheckPod / Controllers to refuse what cannot be enforced); nothing is written when none is.
func EnableControllers(dir string, ctrls []string) error {
	avail, err := Controllers(dir)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, c := range ctrls {
		if !avail[c] {
			continue
		}
		delete(avail, c) // write each once
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('+')
		b.WriteString(c)
	}
	if b.Len() == 0 {
		return nil
	}
	return writeFile(dir, "cgroup.subtree_control", b.String())
}

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
	frozen := writeFile(dir, "cgroup.freeze", "1") == nil
	err := signalTree(dir, unix.SIGKILL)
	if frozen {
		// SIGKILL is delivered to frozen tasks; thaw so the cgroup can be reused.
		if terr := writeFile(dir, "cgroup.freeze", "0"); err == nil {
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

// Populated reports the "populated" key of dir/cgroup.events: whether any process lives in
// dir or below it.
func Populated(dir string) (bool, error) {
	m, err := readKeyed(dir, "cgroup.events")
	if err != nil {
		return false, err
	}
	v, ok := m["populated"]
	if !ok {
		return false, fmt.Errorf("parse %s: no \"populated\" key", filepath.Join(dir, "cgroup.events"))
	}
	return v != 0, nil
}

// Open opens the cgroup directory as an O_PATH|O_DIRECTORY|O_CLOEXEC descriptor, for
// syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(f.Fd())} (clone3 CLONE_INTO_CGROUP).
func Open(dir string) (*os.File, error) {
	var fd int
	err := ignoringEINTR(func() (err error) {
		fd, err = unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	return os.NewFile(uintptr(fd), dir), nil
}

// MoveSelf moves the calling process (all its threads) into the cgroup dir by writing its pid
// to dir/cgroup.procs.
func MoveSelf(dir string) error {
	return writeFile(dir, "cgroup.procs", strconv.Itoa(os.Getpid()))
}

// writeFile writes val to the existing file dir/name in one write(2). The file is never
// created. The error names the file and the value and wraps the errno.
func writeFile(dir, name, val string) error {
	p := filepath.Join(dir, name)
	var fd int
	err := ignoringEINTR(func() (err error) {
		fd, err = unix.Open(p, unix.O_WRONLY|unix.O_TRUNC|unix.O_CLOEXEC, 0)
		return err
	})
	if err == nil {
		var n int
		err = ignoringEINTR(func() (err error) {
			n, err = unix.Write(fd, []byte(val))
			return err
		})
		if err == nil && n != len(val) {
			err = io.ErrShortWrite
		}
		if cerr := unix.Close(fd); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("write %s %q: %w", p, val, err)
	}
	return nil
}

// writeOptional is writeFile that does nothing when dir/name does not exist.
func writeOptional(dir, name, val string) error {
	err := writeFile(dir, name, val)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

func readFile(dir, name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(dir, name))
}

// readKeyed parses a flat keyed file ("key value" per line: cgroup.events, memory.events).
func readKeyed(dir, name string) (map[string]uint64, error) {
	data, err := readFile(dir, name)
	if err != nil {
		return nil, err
	}
	m, err := parseKeyed(string(data))
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", filepath.Join(dir, name), err)
	}
	return m, nil
}

func parseKeyed(s string) (map[string]uint64, error) {
	m := make(map[string]uint64)
	for line := range strings.Lines(s) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, " ")
		if !ok {
			return nil, fmt.Errorf("line %q: want \"key value\"", line)
		}
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("line %q: %w", line, err)
		}
		m[k] = n
	}
	return m, nil
}

func ignoringEINTR(f func() error) error {
	for {
		if err := f(); err != unix.EINTR {
			return err
		}
	}
}
