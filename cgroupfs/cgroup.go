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
