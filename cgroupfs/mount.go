package cgroupfs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/moby/sys/mountinfo"
)

// V2Mount returns the mountpoint of the cgroup2 filesystem from /proc/self/mountinfo:
// "/sys/fs/cgroup" on a pure v2 host, "/sys/fs/cgroup/unified" on a hybrid one. With several
// cgroup2 mounts it prefers those two, in that order, then a mount of the hierarchy's root,
// then the first one listed. It fails when there is no cgroup2 mount.
func V2Mount() (string, error) {
	mounts, err := mountinfo.GetMounts(mountinfo.FSTypeFilter("cgroup2"))
	if err != nil {
		return "", fmt.Errorf("cgroup v2 mount: %w", err)
	}
	return pickV2Mount(mounts)
}

func pickV2Mount(mounts []*mountinfo.Info) (string, error) {
	if len(mounts) == 0 {
		return "", errors.New("cgroup v2 mount: no cgroup2 filesystem in /proc/self/mountinfo (cgroup v1-only host?)")
	}
	for _, want := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} {
		for _, m := range mounts {
			if m.Mountpoint == want {
				return m.Mountpoint, nil
			}
		}
	}
	for _, m := range mounts {
		if m.Root == "/" {
			return m.Mountpoint, nil
		}
	}
	return mounts[0].Mountpoint, nil
}

// SelfPath returns this process's cgroup v2 path, the "0::" line of /proc/self/cgroup (e.g.
// "/podd/supervisor"), relative to the root of the cgroup namespace.
func SelfPath() (string, error) { return procPath("/proc/self/cgroup") }

// PidPath returns the cgroup v2 path of process pid from /proc/<pid>/cgroup.
func PidPath(pid int) (string, error) { return procPath("/proc/" + strconv.Itoa(pid) + "/cgroup") }

func procPath(file string) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	p, err := parseProcCgroup(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("parse %s: %w", file, err)
	}
	return p, nil
}

// parseProcCgroup returns the path of the "0::PATH" (cgroup v2) line of a /proc/PID/cgroup
// file. A path with " (deleted)" appended by the kernel is returned as is.
func parseProcCgroup(r io.Reader) (string, error) {
	s := bufio.NewScanner(r)
	for s.Scan() {
		if p, ok := strings.CutPrefix(s.Text(), "0::"); ok {
			return p, nil
		}
	}
	if err := s.Err(); err != nil {
		return "", err
	}
	return "", errors.New("no cgroup v2 (\"0::\") line")
}
