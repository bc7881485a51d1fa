package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// killWait bounds the wait for killed processes to leave a cgroup.
const killWait = 5 * time.Second

// waitEmpty waits until no process is left in the cgroup dir or below (a cgroup that does not
// exist is empty). Processes podd did not start (adopted after a restart) are reaped by someone
// else, so only the cgroup can tell when they are gone.
func (rt *Runtime) waitEmpty(dir string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		busy, err := rt.cg.Populated(dir)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && !busy) {
			return nil
		}
		if err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes still in %s %v after SIGKILL", dir, timeout)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// removeCgroup kills every process in the cgroup dir, waits for them to go and removes it.
func (rt *Runtime) removeCgroup(dir string) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := rt.cg.Kill(dir); err != nil {
		return err
	}
	if err := rt.waitEmpty(dir, killWait); err != nil {
		return err
	}
	return rt.cg.Remove(dir)
}

// cleanupUID removes whatever a pod with this uid may have left, knowing nothing else of it
// (its record is unreadable or was never written): processes and cgroup, pinned namespaces,
// address and veth, mounts under its directory, log directories, the directory itself.
func (rt *Runtime) cleanupUID(uid string) error {
	var errs []error
	add := func(what string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		}
	}
	add("cgroup", rt.removeCgroup(filepath.Join(rt.podsCg, uid)))
	add("namespaces", rt.pins.Remove(filepath.Join(rt.nsDir(), uid)))
	if rt.net != nil {
		add("network", rt.net.Release(uid))
	}
	dir := filepath.Join(rt.podsDir(), uid)
	mountsErr := unmountUnder(dir)
	add("mounts", mountsErr)
	logs, _ := filepath.Glob(filepath.Join(rt.opts.LogDir, "*_"+uid))
	for _, l := range logs {
		add("logs", os.RemoveAll(l))
	}
	if mountsErr == nil { // else kept: removing it could reach into a mounted nfs export
		add("pod directory", os.RemoveAll(dir))
	}
	return errors.Join(errs...)
}

// unmountUnder detaches every mount at or below dir in podd's mount namespace (memory-backed
// emptyDirs, nfs volumes), deepest first.
func unmountUnder(dir string) error {
	ms, err := mountinfo.GetMounts(mountinfo.PrefixFilter(dir))
	if err != nil {
		return err
	}
	sort.Slice(ms, func(i, j int) bool { return len(ms[i].Mountpoint) > len(ms[j].Mountpoint) })
	var errs []error
	for _, m := range ms {
		if err := unix.Unmount(m.Mountpoint, unix.MNT_DETACH); err != nil && err != unix.EINVAL && err != unix.ENOENT {
			errs = append(errs, fmt.Errorf("unmount %s: %w", m.Mountpoint, err))
		}
	}
	return errors.Join(errs...)
}

// keepCorrupt moves an unreadable record out of the pod's directory, to
// <root>/corrupt/<uid>.pod.json, for the operator to look at; it returns where it went.
func (rt *Runtime) keepCorrupt(uid string) (string, error) {
	dir := filepath.Join(rt.opts.Root, "corrupt")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	dst := filepath.Join(dir, uid+".pod.json")
	if err := os.Rename(filepath.Join(rt.podsDir(), uid, "pod.json"), dst); err != nil {
		return "", err
	}
	return dst, nil
}

// cleanOrphans removes, and reports, what podd finds at start that belongs to no pod it knows
// (known: the uids of the pods it recovered): pod cgroups and their processes, pinned namespace
// directories, IPAM addresses (with their veth).
func (rt *Runtime) cleanOrphans(known map[string]bool) {
	for _, uid := range subdirs(rt.podsCg) {
		if known[uid] {
			continue
		}
		pids := rt.cgroupPids(filepath.Join(rt.podsCg, uid))
		err := rt.removeCgroup(filepath.Join(rt.podsCg, uid))
		logf("orphan cgroup %s/%s (no pod record; processes %v): killed and removed%s", rt.podsCg, uid, pids, errSuffix(err))
	}
	for _, uid := range subdirs(rt.nsDir()) {
		if known[uid] {
			continue
		}
		err := rt.pins.Remove(filepath.Join(rt.nsDir(), uid))
		logf("orphan namespace pins %s (no pod record): unmounted and removed%s", filepath.Join(rt.nsDir(), uid), errSuffix(err))
	}
	if rt.net == nil {
		return
	}
	for _, l := range rt.net.Leases() {
		if known[l.Owner] {
			continue
		}
		err := rt.net.Release(l.Owner)
		logf("orphan address %s (held by %q, no pod record): released%s", l.IP, l.Owner, errSuffix(err))
	}
}

// subdirs lists the names of the directories in dir.
func subdirs(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out
}

// cgroupPids lists the processes in dir and below, for the report.
func (rt *Runtime) cgroupPids(dir string) []int {
	var out []int
	_ = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && e.IsDir() {
			pids, _ := rt.cg.Pids(p)
			out = append(out, pids...)
		}
		return nil
	})
	return out
}

func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return " (with errors: " + err.Error() + ")"
}
