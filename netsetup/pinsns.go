package netsetup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/podd/podd/internal/nsthread"
	"golang.org/x/sys/unix"
)

// The pins of the pods under one directory (podd's <run-dir>/ns) live in a mount namespace of
// their own, not in podd's: every container is cloned with a copy of podd's mount namespace,
// and a copy that held 3 pins per pod made each container start cost O(pods)
// (BenchmarkCloneAtPins). That pins namespace starts as a copy of podd's, made a slave of it
// (no pin propagates back; an unmount on the host still reaches it). It is pinned in turn, once,
// by a bind mount of its namespace file at <dir>/.mnt in podd's mount namespace, so a podd
// restarted in the same mount namespace finds it, and its pins, again. Pin work (pin, unpin,
// check, open) runs on a throwaway thread that has joined it (inPins).

// pinsNSName is the file under the pods' directory where the pins namespace is pinned.
const pinsNSName = ".mnt"

// pinsNSes are the open pins namespaces, by pods' directory.
var pinsNSes = struct {
	sync.Mutex
	byDir map[string]*os.File
}{byDir: map[string]*os.File{}}

// PreparePins makes (or, after a restart, finds) the pins namespace of the pods under dir, so
// that its pin exists from podd's start. The first pin work under dir does it otherwise.
func PreparePins(dir string) error {
	_, err := pinsNS(dir, true)
	return err
}

// PinsNSPath is where the pins namespace of the pods under dir is pinned in podd's mount
// namespace (what a tool enters to see the pins: nsenter --mount=PATH).
func PinsNSPath(dir string) string { return filepath.Join(dir, pinsNSName) }

// pinsNS returns the pins namespace of the pods under dir: the one already open, the one pinned
// at <dir>/.mnt, or (create) a new one. A new one takes over the pins an older podd made in
// podd's own mount namespace (its copy keeps them; podd's are detached). Without create, no
// pins namespace is errNoPinsNS.
func pinsNS(dir string, create bool) (*os.File, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	pinsNSes.Lock()
	defer pinsNSes.Unlock()
	if f := pinsNSes.byDir[dir]; f != nil {
		return f, nil
	}
	path := PinsNSPath(dir)
	f, err := openMountNS(path)
	if err != nil && !create {
		return nil, fmt.Errorf("%w under %q", errNoPinsNS, dir)
	}
	if err != nil {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("pins namespace: %w", err)
		}
		if err := makePrivate(dir); err != nil {
			return nil, fmt.Errorf("pins namespace: %w", err)
		}
		if f, err = newPinsNS(path); err != nil {
			return nil, fmt.Errorf("pins namespace %q: %w", path, err)
		}
		detachLegacyPins(dir)
	}
	pinsNSes.byDir[dir] = f
	return f, nil
}

// openMountNS opens the mount namespace pinned at path, failing when path is not one.
func openMountNS(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	typ, err := unix.IoctlRetInt(int(f.Fd()), unix.NS_GET_NSTYPE)
	if err != nil || typ != unix.CLONE_NEWNS {
		f.Close()
		return nil, fmt.Errorf("%q is not a mounted mount namespace", path)
	}
	return f, nil
}

// newPinsNS makes the pins namespace, a slave copy of podd's mount namespace, and pins it at
// path (a stale file there is replaced). The bind is made from podd's namespace: the kernel
// refuses it (EINVAL) unless the new namespace's id is above podd's namespace's, and since
// 6.18 ids come from per-CPU batches, so a namespace made on one CPU may look older than podd's.
// It is then made again on each CPU in turn; one of them hands out ids above podd's.
func newPinsNS(path string) (*os.File, error) {
	if err := unpin(path); err != nil {
		return nil, err
	}
	var err error
	for _, cpu := range append([]int{-1}, allowedCPUs()...) {
		var ns *os.File
		if ns, err = newMountNS(cpu); err != nil {
			return nil, err
		}
		if err = pin(fmt.Sprintf("/proc/self/fd/%d", ns.Fd()), path); err == nil {
			return ns, nil
		}
		ns.Close()
		if !errors.Is(err, unix.EINVAL) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%w (the new namespace looked older than podd's on every CPU)", err)
}

// newMountNS returns a new mount namespace, a slave copy of the caller's, made on a throwaway
// thread bound to cpu (-1: any).
func newMountNS(cpu int) (*os.File, error) {
	var ns *os.File
	err := nsthread.Run(func() error {
		if cpu >= 0 {
			var set unix.CPUSet
			set.Set(cpu)
			if err := unix.SchedSetaffinity(0, &set); err != nil {
				return fmt.Errorf("bind the thread to CPU %d: %w", cpu, err)
			}
		}
		if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
			return fmt.Errorf("unshare the mount namespace: %w", err)
		}
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_SLAVE, ""); err != nil {
			return fmt.Errorf("make / a slave: %w", err)
		}
		f, err := os.Open("/proc/thread-self/ns/mnt")
		ns = f
		return err
	})
	return ns, err
}

// allowedCPUs lists the CPUs this process may run on.
func allowedCPUs() []int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil
	}
	var cpus []int
	for cpu := 0; cpu < len(set)*64; cpu++ {
		if set.IsSet(cpu) {
			cpus = append(cpus, cpu)
		}
	}
	return cpus
}

// detachLegacyPins detaches from podd's mount namespace the pins an older podd made there; the
// new pins namespace, a copy made just before, holds them now.
func detachLegacyPins(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		for _, ns := range pins {
			_ = unix.Unmount(filepath.Join(dir, e.Name(), ns.name), unix.MNT_DETACH)
		}
	}
}

// errNoPinsNS is a pods' directory without a pins namespace: no pin can exist there.
var errNoPinsNS = errors.New("no pins namespace")

// inPins runs fn on a throwaway thread that has joined the pins namespace of the pods under dir
// (the thread's root and working directory become that namespace's root); errNoPinsNS when
// there is none.
func inPins(dir string, fn func() error) error {
	ns, err := pinsNS(dir, false)
	if err != nil {
		return err
	}
	return nsthread.Run(func() error {
		if err := enterPins(ns); err != nil {
			return err
		}
		return fn()
	})
}

// enterPins moves the calling (locked, throwaway) thread into the pins namespace ns.
func enterPins(ns *os.File) error {
	if err := unix.Unshare(unix.CLONE_FS); err != nil {
		return fmt.Errorf("unshare the thread's fs context: %w", err)
	}
	if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNS); err != nil {
		return fmt.Errorf("join the pins namespace: %w", err)
	}
	return nil
}
