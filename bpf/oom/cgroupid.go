package oom

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// CgroupID is the cgroup v2 id of the cgroup at dir: its directory's inode number (the kernfs
// node id, what bpf_get_current_cgroup_id and task->cgroups->dfl_cgrp->kn->id give).
func CgroupID(dir string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return 0, fmt.Errorf("cgroup id of %s: %w", dir, err)
	}
	return st.Ino, nil
}
