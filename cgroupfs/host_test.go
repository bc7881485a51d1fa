package cgroupfs

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podd/podd/internal/testutil"
)

// hostCgroup creates a fresh cgroup under the v2 mount, removed at the end of the test.
func hostCgroup(t *testing.T) (mnt, dir string) {
	t.Helper()
	testutil.RequireRoot(t)
	mnt, err := V2Mount()
	if err != nil {
		testutil.Unavailable(t, "no cgroup2 mount: "+err.Error())
	}
	dir = filepath.Join(mnt, fmt.Sprintf("podd-cgroupfs-test-%d", os.Getpid()))
	if err := Create(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		Kill(dir)
		if err := removeWhenEmpty(dir); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return mnt, dir
}

// removeWhenEmpty waits (up to 2s) for dir to be unpopulated, then Removes it.
func removeWhenEmpty(dir string) error {
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		pop, err := Populated(dir)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil || !pop || time.Now().After(deadline) {
			break
		}
	}
	return Remove(dir)
}

// startIn starts `sleep 60` directly inside the cgroup dir (clone3 CLONE_INTO_CGROUP).
func startIn(t *testing.T, dir string) *exec.Cmd {
	t.Helper()
	f, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command("sleep", "60")
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(f.Fd())}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

// On this hybrid host the v2 mount is /sys/fs/cgroup/unified and has no cpu/memory/pids
// controllers; on a pure v2 host the test runs the same way.
func TestHostCgroupLifecycle(t *testing.T) {
	mnt, dir := hostCgroup(t)
	rel := strings.TrimPrefix(dir, mnt)
	t.Logf("v2 mount %s, cgroup %s", mnt, dir)

	// Controllers: the child's cgroup.controllers is the parent's cgroup.subtree_control.
	avail, err := Controllers(dir)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := os.ReadFile(filepath.Join(mnt, "cgroup.subtree_control"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, c := range strings.Fields(string(sub)) {
		want[c] = true
	}
	if !reflect.DeepEqual(avail, want) {
		t.Errorf("Controllers(%s) = %v, want %v (parent's subtree_control)", dir, avail, want)
	}
	rootAvail, err := Controllers(mnt)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("controllers: root %v, child %v", rootAvail, avail)

	// A pod with a memory limit is refused where memory is missing; Set of the optional
	// memory files is a no-op there, memory.max an error naming the file.
	memPod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{ctr(nil, rl("memory", "64Mi"))}}}
	err = CheckPod(memPod, avail)
	if avail["memory"] != (err == nil) {
		t.Errorf("CheckPod with %v: %v", avail, err)
	}
	if !avail["memory"] {
		if err := Set(dir, Resources{OOMGroup: true, SwapMax: new(int64(0))}); err != nil {
			t.Errorf("Set(optional memory files) = %v", err)
		}
		err := Set(dir, Resources{MemoryMax: 67108864})
		if want := `write ` + dir + `/memory.max "67108864": no such file or directory`; err == nil || err.Error() != want {
			t.Errorf("Set(memory.max) = %v, want %s", err, want)
		}
	}
	// EnableControllers only writes what is available (nothing is, here, unless pure v2).
	if err := EnableControllers(dir, nil); err != nil {
		t.Errorf("EnableControllers(nil): %v", err)
	}

	// A child process cloned straight into the cgroup.
	cmd := startIn(t, dir)
	pid := cmd.Process.Pid
	if got, err := PidPath(pid); err != nil || got != rel {
		t.Errorf("/proc/%d/cgroup: %q, %v; want %q", pid, got, err, rel)
	}
	if pids, err := Pids(dir); err != nil || !slices.Equal(pids, []int{pid}) {
		t.Errorf("Pids = %v, %v; want [%d]", pids, err, pid)
	}
	if pop, err := Populated(dir); err != nil || !pop {
		t.Errorf("Populated = %v, %v; want true", pop, err)
	}

	// Kill through cgroup.kill.
	if err := Kill(dir); err != nil {
		t.Fatal(err)
	}
	wantKilled(t, cmd)
	if pop, err := Populated(dir); err != nil || pop {
		t.Errorf("after Kill: Populated = %v, %v; want false", pop, err)
	}
	if oom, err := OOMKilled(dir); err != nil || oom {
		t.Errorf("OOMKilled = %v, %v", oom, err)
	}

	// The fallback refuses the root cgroup (checked without calling it).
	if !isRootCgroup(mnt) || isRootCgroup(dir) {
		t.Errorf("isRootCgroup(%s) = %v, isRootCgroup(%s) = %v", mnt, isRootCgroup(mnt), dir, isRootCgroup(dir))
	}

	// The fallback without cgroup.kill, on real cgroup.procs / cgroup.freeze, over a subtree.
	child := filepath.Join(dir, "sub")
	if err := Create(child); err != nil {
		t.Fatal(err)
	}
	a, b := startIn(t, dir), startIn(t, child)
	if err := killByProcs(dir); err != nil {
		t.Fatal(err)
	}
	wantKilled(t, a)
	wantKilled(t, b)
	if data, err := os.ReadFile(filepath.Join(dir, "cgroup.freeze")); err == nil && strings.TrimSpace(string(data)) != "0" {
		t.Errorf("cgroup.freeze = %q after the fallback, want thawed", data)
	}

	// MoveSelf there and back.
	self, err := SelfPath()
	if err != nil {
		t.Fatal(err)
	}
	if err := MoveSelf(child); err != nil {
		t.Fatal(err)
	}
	got, err := SelfPath()
	if merr := MoveSelf(filepath.Join(mnt, self)); merr != nil {
		t.Fatalf("moving back to %s: %v", self, merr)
	}
	if err != nil || got != rel+"/sub" {
		t.Errorf("SelfPath after MoveSelf = %q, %v; want %q", got, err, rel+"/sub")
	}

	// Remove: children first.
	if err := Remove(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s still there: %v", dir, err)
	}
	if err := Remove(dir); err != nil {
		t.Errorf("second Remove: %v", err)
	}
}

// Remove of a cgroup that still has a process fails with EBUSY after its retries.
func TestHostRemoveBusy(t *testing.T) {
	_, dir := hostCgroup(t)
	cmd := startIn(t, dir)
	start := time.Now()
	err := Remove(dir)
	if el := time.Since(start); el < removeRetry || el > 2*time.Second {
		t.Errorf("Remove gave up after %v, want about %v", el, removeRetry)
	}
	if err == nil || !errors.Is(err, syscall.EBUSY) || !strings.Contains(err.Error(), "rmdir "+dir) {
		t.Errorf("Remove = %v, want EBUSY naming %s", err, dir)
	}
	if err := Kill(dir); err != nil {
		t.Fatal(err)
	}
	wantKilled(t, cmd)
	if err := Remove(dir); err != nil {
		t.Fatal(err)
	}
}
