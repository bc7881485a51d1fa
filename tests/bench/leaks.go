package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/podd/podd/internal/nsthread"
	"golang.org/x/sys/unix"
)

// leakState is what podd holds while no pod exists: the mounts under the bench dir in podd's
// mount namespace and in its pins namespace (where pod namespaces are pinned), and the links of
// its network namespace (lo, the bridge).
type leakState struct {
	mounts, links []string
}

func (b *bench) leakBaseline() (leakState, error) {
	var s leakState
	var err error
	if s.mounts, err = b.poddMounts(); err != nil {
		return s, err
	}
	s.links, err = b.poddLinks()
	return s, err
}

// leaks lists what a pod left behind once every pod is gone: pod cgroups, namespace pins,
// IPAM leases, pod records, and veths or mounts that were not there before.
func (b *bench) leaks(before leakState) ([]string, error) {
	var out []string
	dirs := map[string]string{
		"pod cgroup":     filepath.Join(b.env.cgroup, "pods"),
		"namespace pins": filepath.Join(b.env.dir, "run", "ns"),
		"IPAM lease":     filepath.Join(b.env.dir, "root", "ipam"),
		"pod record":     filepath.Join(b.env.dir, "root", "pods"),
	}
	for what, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		for _, e := range entries {
			if what == "pod cgroup" && !e.IsDir() {
				continue // the pods cgroup's own files
			}
			if what == "namespace pins" && e.Name() == ".mnt" {
				continue // the pins namespace's own pin, made at podd's start
			}
			out = append(out, what+" "+filepath.Join(dir, e.Name()))
		}
	}
	now, err := b.leakBaseline()
	if err != nil {
		return nil, err
	}
	out = append(out, added("mount", before.mounts, now.mounts)...)
	out = append(out, added("link", before.links, now.links)...)
	slices.Sort(out)
	return out, nil
}

// added lists what now holds beyond before, counting repeats (stacked mounts).
func added(what string, before, now []string) []string {
	seen := map[string]int{}
	for _, s := range before {
		seen[s]++
	}
	var out []string
	for _, s := range now {
		if seen[s] > 0 {
			seen[s]--
			continue
		}
		out = append(out, what+" "+s)
	}
	return out
}

// poddMounts lists the mount points under the bench dir in podd's mount namespace, then in its
// pins namespace.
func (b *bench) poddMounts() ([]string, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(b.podd.pid) + "/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("podd's mounts: %w", err)
	}
	pins, err := pinsMountInfo(filepath.Join(b.env.dir, "run", "ns", ".mnt"))
	if err != nil {
		return nil, err
	}
	out := b.mountsUnder(string(data), "")
	return append(out, b.mountsUnder(pins, "pins namespace: ")...), nil
}

// mountsUnder lists the mount points under the bench dir in a mountinfo text, each after
// prefix.
func (b *bench) mountsUnder(mountinfo, prefix string) []string {
	var out []string
	for _, line := range strings.Split(mountinfo, "\n") {
		if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], b.env.dir) {
			out = append(out, prefix+f[4])
		}
	}
	return out
}

// pinsMountInfo is the mountinfo of the mount namespace pinned at path (podd's pins
// namespace), read from a throwaway thread that joined it; "" when nothing is pinned there.
func pinsMountInfo(path string) (string, error) {
	ns, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("pins namespace: %w", err)
	}
	defer ns.Close()
	if typ, err := unix.IoctlRetInt(int(ns.Fd()), unix.NS_GET_NSTYPE); err != nil || typ != unix.CLONE_NEWNS {
		return "", nil // a stale file: no pins namespace
	}
	var info string
	err = nsthread.Run(func() error {
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			return err
		}
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNS); err != nil {
			return err
		}
		data, err := os.ReadFile("/proc/thread-self/mountinfo")
		info = string(data)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("mounts of the pins namespace %s: %w", path, err)
	}
	return info, nil
}

// poddLinks lists the network interfaces of podd's network namespace.
func (b *bench) poddLinks() ([]string, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(b.podd.pid) + "/net/dev")
	if err != nil {
		return nil, fmt.Errorf("podd's links: %w", err)
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if name, _, ok := strings.Cut(line, ":"); ok && !strings.Contains(name, "|") {
			out = append(out, strings.TrimSpace(name))
		}
	}
	return out, nil
}
