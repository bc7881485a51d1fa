package cgroupfs

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// fakeCgroup makes a directory holding the given control files, empty, as the kernel would
// (the package never creates control files itself).
func fakeCgroup(t testing.TB, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		writeTestFile(t, dir, f, "")
	}
	return dir
}

func writeTestFile(t testing.TB, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readTestFile(t testing.TB, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func dirNames(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

var allFiles = []string{"cpu.weight", "cpu.max", "memory.max", "memory.swap.max", "memory.oom.group", "pids.max"}

func TestSetWritesEveryFile(t *testing.T) {
	dir := fakeCgroup(t, allFiles...)
	r := Resources{CPUWeight: 35, CPUMax: "50000 100000", MemoryMax: 67108864, PidsMax: 1024, OOMGroup: true, SwapMax: ptr(int64(0))}
	if err := Set(dir, r); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"cpu.weight":       "35",
		"cpu.max":          "50000 100000",
		"memory.max":       "67108864",
		"memory.swap.max":  "0",
		"memory.oom.group": "1",
		"pids.max":         "1024",
	}
	for f, w := range want {
		if got := readTestFile(t, dir, f); got != w {
			t.Errorf("%s = %q, want %q", f, got, w)
		}
	}
	// A second Set replaces the values (O_TRUNC: no leftover of a longer old value).
	if err := Set(dir, Resources{CPUMax: "max 100000", MemoryMax: 1}); err != nil {
		t.Fatal(err)
	}
	if got := readTestFile(t, dir, "cpu.max"); got != "max 100000" {
		t.Errorf("cpu.max = %q", got)
	}
	if got := readTestFile(t, dir, "memory.max"); got != "1" {
		t.Errorf("memory.max = %q", got)
	}
	if got := readTestFile(t, dir, "cpu.weight"); got != "35" {
		t.Errorf("cpu.weight rewritten: %q", got)
	}
}

func TestSetZeroWritesNothing(t *testing.T) {
	// With every file present, zero values leave them untouched.
	dir := fakeCgroup(t, allFiles...)
	if err := Set(dir, Resources{}); err != nil {
		t.Fatal(err)
	}
	for _, f := range allFiles {
		if got := readTestFile(t, dir, f); got != "" {
			t.Errorf("%s written: %q", f, got)
		}
	}
	// With none present, zero values open nothing and create nothing.
	empty := t.TempDir()
	if err := Set(empty, Resources{}); err != nil {
		t.Fatal(err)
	}
	// The optional memory files are skipped when missing (memory controller not enabled).
	if err := Set(empty, Resources{OOMGroup: true, SwapMax: ptr(int64(0))}); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, empty); len(names) != 0 {
		t.Errorf("Set created %q", names)
	}
}

func TestSetMissingFile(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		r    Resources
		file string
		val  string
	}{
		{Resources{CPUWeight: 100}, "cpu.weight", "100"},
		{Resources{CPUMax: "max 100000"}, "cpu.max", "max 100000"},
		{Resources{MemoryMax: 4096}, "memory.max", "4096"},
		{Resources{PidsMax: 7}, "pids.max", "7"},
	} {
		err := Set(dir, tc.r)
		want := `write ` + filepath.Join(dir, tc.file) + ` "` + tc.val + `": no such file or directory`
		if err == nil || err.Error() != want || !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Set(%s) = %v, want %s", fmtRes(tc.r), err, want)
		}
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("Set created %q", names)
	}
}

func TestSetWriteErrorNamesFileAndValue(t *testing.T) {
	dir := fakeCgroup(t, "cpu.weight", "cpu.max", "pids.max")
	if err := os.Mkdir(filepath.Join(dir, "memory.max"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := Set(dir, Resources{CPUWeight: 100, MemoryMax: 67108864, PidsMax: 10})
	want := `write ` + dir + `/memory.max "67108864": is a directory`
	if err == nil || err.Error() != want {
		t.Fatalf("Set = %v, want %s", err, want)
	}
	if !errors.Is(err, unix.EISDIR) {
		t.Errorf("errors.Is(%v, EISDIR) = false", err)
	}
	// Set stops at the first error: pids.max is not written, cpu.weight was.
	if got := readTestFile(t, dir, "pids.max"); got != "" {
		t.Errorf("pids.max = %q", got)
	}
	if got := readTestFile(t, dir, "cpu.weight"); got != "100" {
		t.Errorf("cpu.weight = %q", got)
	}
	// An optional file that exists but cannot be written is an error too.
	if err := os.Mkdir(filepath.Join(dir, "memory.oom.group"), 0o755); err != nil {
		t.Fatal(err)
	}
	err = Set(dir, Resources{OOMGroup: true})
	if err == nil || !strings.Contains(err.Error(), `memory.oom.group "1": is a directory`) {
		t.Errorf("Set(OOMGroup) = %v", err)
	}
}

func TestSetRejectsOutOfRange(t *testing.T) {
	dir := fakeCgroup(t, allFiles...)
	for _, r := range []Resources{
		{CPUWeight: 10001},
		{MemoryMax: -1},
		{PidsMax: -1},
		{SwapMax: ptr(int64(-1))},
	} {
		if err := Set(dir, r); err == nil {
			t.Errorf("Set(%s) accepted", fmtRes(r))
		}
	}
	for _, f := range allFiles {
		if got := readTestFile(t, dir, f); got != "" {
			t.Errorf("%s written: %q", f, got)
		}
	}
}

func TestCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pod")
	if err := Create(dir); err != nil {
		t.Fatal(err)
	}
	if err := Create(dir); err != nil {
		t.Fatalf("second Create: %v", err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("stat: %v %v", fi, err)
	}
	if err := Create(filepath.Join(t.TempDir(), "no", "parent")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Create without parent = %v", err)
	}
}

func TestControllers(t *testing.T) {
	dir := fakeCgroup(t)
	writeTestFile(t, dir, "cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n")
	got, err := Controllers(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"cpuset": true, "cpu": true, "io": true, "memory": true, "hugetlb": true, "pids": true, "rdma": true, "misc": true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Controllers = %v", got)
	}
	writeTestFile(t, dir, "cgroup.controllers", "\n")
	if got, err := Controllers(dir); err != nil || len(got) != 0 {
		t.Errorf("empty: %v %v", got, err)
	}
	if _, err := Controllers(t.TempDir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestEnableControllers(t *testing.T) {
	dir := fakeCgroup(t, "cgroup.subtree_control")
	writeTestFile(t, dir, "cgroup.controllers", "cpu memory hugetlb\n")
	if err := EnableControllers(dir, []string{"cpu", "memory", "pids", "cpu"}); err != nil {
		t.Fatal(err)
	}
	if got := readTestFile(t, dir, "cgroup.subtree_control"); got != "+cpu +memory" {
		t.Errorf("subtree_control = %q", got)
	}
	// Nothing available: nothing written.
	dir = fakeCgroup(t, "cgroup.subtree_control")
	writeTestFile(t, dir, "cgroup.controllers", "hugetlb\n")
	if err := EnableControllers(dir, []string{"cpu", "memory", "pids"}); err != nil {
		t.Fatal(err)
	}
	if got := readTestFile(t, dir, "cgroup.subtree_control"); got != "" {
		t.Errorf("subtree_control = %q", got)
	}
	// A failed write names the file and the value.
	dir = fakeCgroup(t)
	writeTestFile(t, dir, "cgroup.controllers", "pids\n")
	err := EnableControllers(dir, []string{"pids"})
	if want := `write ` + dir + `/cgroup.subtree_control "+pids": no such file or directory`; err == nil || err.Error() != want {
		t.Errorf("EnableControllers = %v, want %s", err, want)
	}
}

func TestPopulated(t *testing.T) {
	dir := fakeCgroup(t)
	for content, want := range map[string]bool{"populated 1\nfrozen 0\n": true, "populated 0\nfrozen 0\n": false} {
		writeTestFile(t, dir, "cgroup.events", content)
		if got, err := Populated(dir); err != nil || got != want {
			t.Errorf("Populated(%q) = %v, %v", content, got, err)
		}
	}
	writeTestFile(t, dir, "cgroup.events", "frozen 0\n")
	if _, err := Populated(dir); err == nil {
		t.Error("no populated key: no error")
	}
	writeTestFile(t, dir, "cgroup.events", "populated\n")
	if _, err := Populated(dir); err == nil || !strings.Contains(err.Error(), "cgroup.events") {
		t.Errorf("malformed: %v", err)
	}
}

func TestMemoryEventsAndOOMKilled(t *testing.T) {
	dir := fakeCgroup(t)
	writeTestFile(t, dir, "memory.events", "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 1\n")
	m, err := MemoryEvents(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]uint64{"low": 0, "high": 0, "max": 12, "oom": 1, "oom_kill": 1, "oom_group_kill": 1}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("MemoryEvents = %v", m)
	}
	if killed, err := OOMKilled(dir); err != nil || !killed {
		t.Errorf("OOMKilled = %v, %v", killed, err)
	}
	writeTestFile(t, dir, "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 0\n")
	if killed, err := OOMKilled(dir); err != nil || killed {
		t.Errorf("oom without kill: OOMKilled = %v, %v", killed, err)
	}
	if killed, err := OOMKilled(t.TempDir()); err != nil || killed {
		t.Errorf("no memory.events: OOMKilled = %v, %v", killed, err)
	}
	writeTestFile(t, dir, "memory.events", "oom_kill x\n")
	if _, err := OOMKilled(dir); err == nil || !strings.Contains(err.Error(), dir+"/memory.events") {
		t.Errorf("malformed: %v", err)
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	f, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fl, err := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fl&unix.O_PATH == 0 || fl&unix.O_DIRECTORY == 0 {
		t.Errorf("flags %#o lack O_PATH|O_DIRECTORY", fl)
	}
	fd, err := unix.FcntlInt(f.Fd(), unix.F_GETFD, 0)
	if err != nil || fd&unix.FD_CLOEXEC == 0 {
		t.Errorf("FD_CLOEXEC not set: %#x %v", fd, err)
	}
	writeTestFile(t, dir, "file", "")
	if _, err := Open(filepath.Join(dir, "file")); !errors.Is(err, unix.ENOTDIR) {
		t.Errorf("Open(file) = %v", err)
	}
}

func TestMoveSelf(t *testing.T) {
	dir := fakeCgroup(t, "cgroup.procs")
	if err := MoveSelf(dir); err != nil {
		t.Fatal(err)
	}
	if got := readTestFile(t, dir, "cgroup.procs"); got != strconv.Itoa(os.Getpid()) {
		t.Errorf("cgroup.procs = %q", got)
	}
}

func TestRemove(t *testing.T) {
	root := t.TempDir()
	pod := filepath.Join(root, "pod")
	for _, d := range []string{"pod/a/x/y", "pod/a/z", "pod/b"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := Remove(pod); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(pod); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pod still there: %v", err)
	}
	if err := Remove(pod); err != nil {
		t.Errorf("Remove of a missing dir: %v", err)
	}
	// rmdir (not unlink): a plain file below makes it fail, naming the directory.
	if err := os.MkdirAll(filepath.Join(pod, "c"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, filepath.Join(pod, "c"), "f", "")
	err := Remove(pod)
	if want := "rmdir " + pod + "/c: directory not empty"; err == nil || err.Error() != want || !errors.Is(err, unix.ENOTEMPTY) {
		t.Errorf("Remove = %v, want %s", err, want)
	}
}

func startSleep(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

func wantKilled(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("wait: %v", err)
	}
	if ws := ee.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("pid %d: %v, want killed by SIGKILL", cmd.Process.Pid, ee)
	}
}

func TestKillWritesCgroupKill(t *testing.T) {
	dir := fakeCgroup(t, "cgroup.kill")
	writeTestFile(t, dir, "cgroup.procs", "1\n") // must not be signalled
	if err := Kill(dir); err != nil {
		t.Fatal(err)
	}
	if got := readTestFile(t, dir, "cgroup.kill"); got != "1" {
		t.Errorf("cgroup.kill = %q", got)
	}
	if err := Kill(filepath.Join(dir, "gone")); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "gone/cgroup.kill") {
		t.Errorf("Kill(missing dir) = %v", err)
	}
}

// Without cgroup.kill (Linux < 5.14), Kill signals the pids of cgroup.procs in the whole
// subtree, freezing around it when cgroup.freeze exists.
func TestKillFallback(t *testing.T) {
	a, b := startSleep(t), startSleep(t)
	dir := fakeCgroup(t, "cgroup.freeze")
	writeTestFile(t, dir, "cgroup.procs", strconv.Itoa(a.Process.Pid)+"\n")
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, sub, "cgroup.procs", strconv.Itoa(b.Process.Pid)+"\n")
	if err := Kill(dir); err != nil {
		t.Fatal(err)
	}
	wantKilled(t, a)
	wantKilled(t, b)
	if got := readTestFile(t, dir, "cgroup.freeze"); got != "0" {
		t.Errorf("cgroup.freeze = %q, want thawed", got)
	}
	// Dead pids (ESRCH) are fine.
	if err := Kill(dir); err != nil {
		t.Errorf("second Kill: %v", err)
	}
	writeTestFile(t, sub, "cgroup.procs", "x\n")
	if err := Kill(dir); err == nil || !strings.Contains(err.Error(), sub+"/cgroup.procs") {
		t.Errorf("bad pid: %v", err)
	}
}

func TestPids(t *testing.T) {
	dir := fakeCgroup(t)
	writeTestFile(t, dir, "cgroup.procs", "12\n7\n")
	got, err := Pids(dir)
	if err != nil || !slices.Equal(got, []int{12, 7}) {
		t.Errorf("Pids = %v, %v", got, err)
	}
}

func TestSetCPUMax(t *testing.T) {
	dir := fakeCgroup(t, "cpu.max")
	if err := SetCPUMax(dir, CPUMaxUnlimited); err != nil {
		t.Fatal(err)
	}
	if got := readTestFile(t, dir, "cpu.max"); got != "max 100000" {
		t.Errorf("cpu.max = %q, want %q", got, "max 100000")
	}
	if err := SetCPUMax(dir, "1000 100000"); err != nil {
		t.Fatal(err)
	}
	if got := readTestFile(t, dir, "cpu.max"); got != "1000 100000" {
		t.Errorf("cpu.max = %q, want %q", got, "1000 100000")
	}
	if err := SetCPUMax(dir, ""); err != nil {
		t.Fatal(err)
	}
	if got := readTestFile(t, dir, "cpu.max"); got != "1000 100000" {
		t.Errorf("an empty value rewrote cpu.max: %q", got)
	}
	err := SetCPUMax(t.TempDir(), "1000 100000")
	if err == nil || !strings.Contains(err.Error(), "cpu.max") || !strings.Contains(err.Error(), `"1000 100000"`) {
		t.Errorf("SetCPUMax on a cgroup without cpu.max: %v; want an error naming the file and the value", err)
	}
}
