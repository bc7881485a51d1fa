package oom

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf/btf"
	"github.com/podd/podd/cgroupfs"
	"github.com/podd/podd/internal/testutil"
	"golang.org/x/sys/unix"
)

// requireEBPF loads the watcher or stops the test when the kernel cannot (no BTF, no CAP_BPF):
// a skip, a failure under CI=true.
func requireEBPF(t *testing.T, fentry bool) *EBPF {
	t.Helper()
	testutil.RequireRoot(t)
	if _, err := btf.LoadKernelSpec(); err != nil {
		testutil.Unavailable(t, "kernel BTF: "+err.Error())
	}
	program := ProgramAuto
	if fentry {
		program = ProgramFentry
	}
	w, err := NewEBPF(program)
	if errors.Is(err, unix.EPERM) {
		testutil.Unavailable(t, err.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// The kernel picks the program by mark_victim's prototype: one that passes the task (6.8+, and
// backported to Debian's 6.1) gets the tracepoint program.
func TestMechanismForKernel(t *testing.T) {
	w := requireEBPF(t, false)
	defer w.Close()
	kern, err := btf.LoadKernelSpec()
	if err != nil {
		t.Fatal(err)
	}
	want := "ebpf (fentry/mark_oom_victim)"
	if markVictimPassesTask(kern) {
		want = "ebpf (oom/mark_victim)"
	}
	if got := w.Mechanism(); got != want {
		t.Fatalf("mechanism %q, want %q", got, want)
	}
}

// A process over a memory limit is reported with its pid, comm, its cgroup v2 id and its
// memory, by the program this kernel loads (the fentry one is for kernels whose tracepoint
// passes only a pid: neither this host's nor the VM's, and this host refuses fentry programs).
// The limit is a cgroup v1 memory one (the host's memory
// controller is on v1); without v1 memory the test cannot run (the VM tier covers v2).
func TestEBPFReportsOOMKill(t *testing.T) {
	for _, fentry := range []bool{false} {
		t.Run(fmt.Sprintf("fentry=%v", fentry), func(t *testing.T) {
			w := requireEBPF(t, fentry)
			defer w.Close()
			if err := w.Start(); err != nil {
				t.Fatal(err)
			}
			pid, cgid := oomKillInV1(t)
			deadline := time.After(10 * time.Second)
			for {
				select {
				case e := <-w.Events():
					if e.PID != uint32(pid) {
						continue
					}
					if e.Comm != "busybox" || e.CgroupID != cgid || e.AnonRSS < 8<<20 || e.TotalVM < e.AnonRSS || e.KernelTime == 0 {
						t.Fatalf("event %+v: want comm busybox, cgroup %d, anon rss >= 8 MiB, total vm >= it, a time", e, cgid)
					}
					t.Logf("%s: pid %d (%s) anon-rss %d kB, received %v after the kill", w.Mechanism(), e.PID, e.Comm, e.AnonRSS>>10, sinceMonotonic(e.KernelTime))
					return
				case <-deadline:
					t.Fatalf("no event for pid %d", pid)
				}
			}
		})
	}
}

// oomKillInV1 runs a busybox shell that joins a fresh v1 memory cgroup limited to 16 MiB and
// grows past it; it returns the shell's pid once it is dead and its v2 cgroup id.
func oomKillInV1(t *testing.T) (int, uint64) {
	t.Helper()
	v1 := "/sys/fs/cgroup/memory"
	if _, err := os.Stat(filepath.Join(v1, "memory.limit_in_bytes")); err != nil {
		testutil.Unavailable(t, "cgroup v1 memory controller: "+err.Error())
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		testutil.Unavailable(t, "busybox: "+err.Error())
	}
	dir := filepath.Join(v1, fmt.Sprintf("podd-oomtest-%d", os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(dir) })
	for _, f := range []string{"memory.limit_in_bytes", "memory.memsw.limit_in_bytes"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("16777216"), 0o644); err != nil && f == "memory.limit_in_bytes" {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("/bin/busybox", "sh", "-c",
		`echo $$ > "$1/cgroup.procs" && x=$(head -c 200000000 /dev/zero | tr '\0' a); echo survived`, "sh", dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cgid := v2CgroupID(t, cmd.Process.Pid)
	err := cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the hog ended with %v, not SIGKILL", err)
	}
	return cmd.Process.Pid, cgid
}

// v2CgroupID is the id of pid's cgroup on the unified hierarchy (task->cgroups->dfl_cgrp).
func v2CgroupID(t *testing.T, pid int) uint64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mnt, err := cgroupfs.V2Mount()
	if err != nil {
		t.Fatal(err)
	}
	for s := bufio.NewScanner(f); s.Scan(); {
		if p, ok := strings.CutPrefix(s.Text(), "0::"); ok {
			id, err := CgroupID(filepath.Join(mnt, p))
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
	}
	t.Fatalf("pid %d has no cgroup v2 line", pid)
	return 0
}

func sinceMonotonic(k time.Duration) time.Duration {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return time.Duration(ts.Nano()) - k
}
