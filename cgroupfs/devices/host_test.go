package devices

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/podd/podd/cgroupfs"
	"github.com/podd/podd/internal/testutil"
)

// childEnv makes the test binary a probe: it runs the ops in $childEnv (";"-separated
// "mknod c MAJ MIN PATH" or "open r|w PATH") and prints one "ok" or errno name per op.
const childEnv = "PODD_DEVICES_PROBE"

func TestMain(m *testing.M) {
	if ops, ok := os.LookupEnv(childEnv); ok {
		for op := range strings.SplitSeq(ops, ";") {
			fmt.Println(probe(strings.Fields(op)))
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func probe(f []string) string {
	var err error
	switch f[0] {
	case "mknod":
		var maj, min uint32
		fmt.Sscan(f[2]+" "+f[3], &maj, &min)
		mode := uint32(unix.S_IFCHR)
		if f[1] == "b" {
			mode = unix.S_IFBLK
		}
		err = unix.Mknod(f[4], mode|0o600, int(unix.Mkdev(maj, min)))
	case "open":
		flags := unix.O_RDONLY
		if f[1] == "w" {
			flags = unix.O_WRONLY
		}
		var fd int
		if fd, err = unix.Open(f[2], flags|unix.O_CLOEXEC|unix.O_NONBLOCK, 0); err == nil {
			unix.Close(fd)
		}
	}
	var errno unix.Errno
	if errors.As(err, &errno) {
		return unix.ErrnoName(errno)
	}
	if err != nil {
		return err.Error()
	}
	return "ok"
}

// runProbe runs the ops in the cgroup dir ("" = the test's own cgroup) and returns the results.
func runProbe(t *testing.T, dir string, ops ...string) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join(ops, ";"))
	if dir != "" {
		f, err := cgroupfs.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(f.Fd())}
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("probe %q: %v", ops, err)
	}
	return strings.Fields(string(out))
}

// testCgroup is a fresh cgroup under the v2 mount (on this hybrid host
// /sys/fs/cgroup/unified, where no controller is enabled: device programs still run).
func testCgroup(t testing.TB) string {
	t.Helper()
	testutil.RequireRoot(t)
	mnt, err := cgroupfs.V2Mount()
	if err != nil {
		testutil.Unavailable(t, "no cgroup2 mount: "+err.Error())
	}
	dir := filepath.Join(mnt, fmt.Sprintf("podd-devices-test-%d-%d", os.Getpid(), time.Now().UnixNano()))
	if err := cgroupfs.Create(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cgroupfs.Remove(dir); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return dir
}

// The kernel enforces the filter: in the cgroup, the default devices open and mknod, the
// host's kmsg and disks neither; the same probes outside it all succeed (so the denials are
// the filter's).
func TestHostFilterEnforced(t *testing.T) {
	dir := testCgroup(t)
	if err := Attach(dir, Default); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	ops := []string{
		"open w /dev/null", "open r /dev/urandom", "mknod c 1 3 " + tmp + "/null",
		"open r /dev/kmsg", "mknod c 1 11 " + tmp + "/kmsg", "mknod b 7 0 " + tmp + "/loop0",
	}
	want := []string{"ok", "ok", "ok", "EPERM", "EPERM", "EPERM"}
	if got := runProbe(t, dir, ops...); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("in the filtered cgroup: %v got %v, want %v", ops, got, want)
	}
	for _, f := range []string{"null", "kmsg", "loop0"} {
		os.Remove(filepath.Join(tmp, f))
	}
	if got := runProbe(t, "", ops...); strings.Join(got, " ") != "ok ok ok ok ok ok" {
		t.Errorf("outside the cgroup: %v got %v, want all ok", ops, got)
	}
}

// Attaching again (a restarted container) replaces podd's filter: one filter, the new rules.
func TestHostAttachReplaces(t *testing.T) {
	dir := testCgroup(t)
	if err := Attach(dir, Default); err != nil {
		t.Fatal(err)
	}
	kmsg := append(append([]Rule{}, Default...), Rule{Char, 1, 11, Read})
	if err := Attach(dir, kmsg); err != nil {
		t.Fatal(err)
	}
	if err := Attach(dir, kmsg); err != nil { // the same rules again: the same program stays
		t.Fatal(err)
	}
	if got := runProbe(t, dir, "open r /dev/kmsg", "open w /dev/kmsg"); strings.Join(got, " ") != "ok EPERM" {
		t.Errorf("after re-attach with kmsg r: read, write = %v, want ok EPERM", got)
	}
	if n := attachedCount(t, dir); n != 1 {
		t.Errorf("%d programs attached after three Attach calls, want 1", n)
	}
}

func attachedCount(t testing.TB, dir string) int {
	t.Helper()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := link.QueryPrograms(link.QueryOptions{Target: int(f.Fd()), Attach: ebpf.AttachCGroupDevice})
	if err != nil {
		t.Fatal(err)
	}
	return len(res.Programs)
}

// The cost added to every container start: a new container's cgroup (mkdir included, as
// runtime does it anyway) and a restarted container's (the filter is already there).
func BenchmarkAttach(b *testing.B) {
	dir := testCgroup(b)
	b.Run("new-cgroup", func(b *testing.B) {
		var made []string
		for b.Loop() {
			d := filepath.Join(dir, strconv.Itoa(len(made)))
			made = append(made, d)
			if err := cgroupfs.Create(d); err != nil {
				b.Fatal(err)
			}
			if err := Attach(d, Default); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		for _, d := range made {
			os.Remove(d)
		}
	})
	b.Run("restart", func(b *testing.B) {
		for b.Loop() {
			if err := Attach(dir, Default); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkOnlyContainer is a container's filter when it is the only one on the host (make
// bench's web-sync applies): its cgroup made, the filter attached, the cgroup removed. "alone"
// switches the kernel's device-filter hook on at each attach (text patched on every CPU: the
// cost shows only when no other cgroup on the host has a device filter); "kept-on" has an
// allow-all filter on the parent, as podd keeps on its pods cgroup.
func BenchmarkOnlyContainer(b *testing.B) {
	allowAll := []Rule{{Char, Wildcard, Wildcard, RWM}, {Block, Wildcard, Wildcard, RWM}}
	for _, keep := range []bool{false, true} {
		b.Run(map[bool]string{false: "alone", true: "kept-on"}[keep], func(b *testing.B) {
			dir := testCgroup(b)
			if keep {
				if err := Attach(dir, allowAll); err != nil {
					b.Fatal(err)
				}
			}
			d := filepath.Join(dir, "c")
			for b.Loop() {
				if err := cgroupfs.Create(d); err != nil {
					b.Fatal(err)
				}
				if err := Attach(d, Default); err != nil {
					b.Fatal(err)
				}
				if err := os.Remove(d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
