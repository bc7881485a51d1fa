package nsinit

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/podd/podd/mounts"
	"golang.org/x/sys/unix"
)

// writeSysctls writes each "path=value" (path relative to /proc/sys, slash-separated) through
// the container's own fresh procfs: network and IPC sysctls act on the namespaces of the
// writer, the pod's.
func writeSysctls(root *mounts.Root, sysctls []string) error {
	if len(sysctls) == 0 {
		return nil
	}
	sys, err := root.Open("/proc/sys")
	if err != nil {
		return err
	}
	defer sys.Close()
	for _, kv := range sysctls {
		path, value, _ := strings.Cut(kv, "=")
		h, err := mounts.Beneath(sys, path)
		if err != nil {
			return fmt.Errorf("sysctl %s: %w", path, err)
		}
		err = os.WriteFile(fmt.Sprintf("/proc/thread-self/fd/%d", h.Fd()), []byte(value), 0)
		h.Close()
		if err != nil {
			return fmt.Errorf("sysctl %s=%s: %w", strings.ReplaceAll(path, "/", "."), value, err)
		}
	}
	return nil
}

// skippedHostDevs are the parts of the host's /dev a privileged container does not get: its
// own pseudo filesystems are there instead.
var skippedHostDevs = map[string]bool{"pts": true, "shm": true, "mqueue": true, "fd": true, "console": true}

// privilegedRoot gives the container what runc gives a privileged one: the host's device
// nodes in its /dev and a writable /sys (no paths are masked: the caller skips Mask).
func privilegedRoot(root *mounts.Root) error {
	devH, err := root.Open("/dev")
	if err != nil {
		return err
	}
	defer devH.Close()
	dev := fmt.Sprintf("/proc/thread-self/fd/%d", devH.Fd())
	err = filepath.WalkDir("/dev", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "/dev" {
			return err
		}
		rel := p[len("/dev/"):]
		if skippedHostDevs[rel] {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		return copyDevNode(dev, rel, p, d)
	})
	if err != nil {
		return fmt.Errorf("privileged: host devices: %w", err)
	}
	sys, err := root.Open("/sys")
	if err != nil {
		return err
	}
	defer sys.Close()
	flags := uintptr(unix.MS_REMOUNT | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC)
	if err := unix.Mount("", fmt.Sprintf("/proc/thread-self/fd/%d", sys.Fd()), "", flags, ""); err != nil {
		return fmt.Errorf("privileged: remount /sys read-write: %w", err)
	}
	return nil
}

// copyDevNode recreates the host's /dev/rel (a directory or a device node) in the container's
// /dev (dev: a /proc/thread-self/fd path of it); what exists already (the default nodes) stays.
func copyDevNode(dev, rel, hostPath string, d fs.DirEntry) error {
	target := filepath.Join(dev, rel)
	if d.IsDir() {
		if err := unix.Mkdir(target, 0o755); err != nil && err != unix.EEXIST {
			return fmt.Errorf("mkdir %s: %w", rel, err)
		}
		return nil
	}
	if d.Type()&fs.ModeDevice == 0 {
		return nil
	}
	var st unix.Stat_t
	if err := unix.Lstat(hostPath, &st); err != nil {
		return nil // gone meanwhile
	}
	err := unix.Mknod(target, st.Mode, int(st.Rdev))
	if err != nil && err != unix.EEXIST {
		return fmt.Errorf("mknod %s: %w", rel, err)
	}
	if err == nil {
		return unix.Chown(target, int(st.Uid), int(st.Gid))
	}
	return nil
}

// readOnlyRoot remounts the container's root (after pivot_root) read-only; volumes and the
// pseudo filesystems mounted on it keep their own flags.
func readOnlyRoot() error {
	if err := unix.Mount("", "/", "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY, ""); err != nil {
		return fmt.Errorf("remount / read-only: %w", err)
	}
	return nil
}
