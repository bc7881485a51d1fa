package host

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// The steps of PODD_CRASH_AT (runtime/crashpoint.go), in the order apply and delete reach them.
var (
	applyCrashSteps  = []string{"apply-after-record", "apply-after-sandbox", "apply-after-clone", "apply-before-running"}
	deleteCrashSteps = []string{"delete-after-record", "delete-after-kill", "delete-after-ns", "delete-before-rm"}
)

// startCrashingPodd starts a podd that SIGKILLs itself at step.
func startCrashingPodd(t *testing.T, step string) *Podd {
	return StartPoddWith(t, func(d *Podd) { d.Env = []string{"PODD_CRASH_AT=" + step} })
}

// restartAfterCrash waits for podd to kill itself at its crash step and starts it again,
// without the hook.
func (d *Podd) restartAfterCrash(step string) {
	d.t.Helper()
	if err := d.WaitExit(20 * time.Second); err == nil || !strings.Contains(err.Error(), "killed") {
		d.t.Fatalf("podd with PODD_CRASH_AT=%s ended with %v, want killed\n%s", step, err, d.poddLog())
	}
	if !strings.Contains(d.poddLog(), "PODD_CRASH_AT="+step) {
		d.t.Fatalf("podd did not report reaching step %s:\n%s", step, d.poddLog())
	}
	d.Env = nil
	d.Start()
}

// podUIDs lists the pod directories under --root (the uids podd recorded).
func (d *Podd) podUIDs() []string { return childDirs(filepath.Join(d.Root, "pods")) }

// containerInits maps each container cgroup of the pod to the container processes in it: the
// processes that are PID 1 of their own PID namespace (exec'd commands and a shell's children
// are not). One container is one such process.
func (d *Podd) containerInits(uid string) map[string][]int {
	out := map[string][]int{}
	for _, ctr := range childDirs(filepath.Join(d.Cgroup, "pods", uid)) {
		b, _ := os.ReadFile(filepath.Join(d.Cgroup, "pods", uid, ctr, "cgroup.procs"))
		out[ctr] = nil
		for _, f := range strings.Fields(string(b)) {
			pid, _ := strconv.Atoi(f)
			if isNSInit(pid) {
				out[ctr] = append(out[ctr], pid)
			}
		}
	}
	return out
}

// isNSInit reports whether pid is PID 1 of a PID namespace (its NSpid ends in 1).
func isNSInit(pid int) bool {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	f := strings.Fields(statusField(string(b), "NSpid"))
	return len(f) > 1 && f[len(f)-1] == "1"
}

// assertWholeOrGone checks a pod after podd restarted from a crash: either gone without a
// trace, or whole (Running, every container once), and then deletable without a trace.
func (d *Podd) assertWholeOrGone(name, uid string) {
	t := d.t
	t.Helper()
	p, err := d.GetPod(name)
	if err != nil {
		if !strings.Contains(err.Error(), "NotFound") {
			t.Fatalf("after the restart: %v", err)
		}
		t.Logf("pod %s is gone (rolled back)", name)
		d.AssertNoPods()
		return
	}
	p = d.WaitPod(name, 10*time.Second, "Running with every container ready", func(p *corev1.Pod) error {
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		for _, cs := range p.Status.ContainerStatuses {
			if !cs.Ready || cs.State.Running == nil {
				return fmt.Errorf("container %s: ready=%v state=%+v", cs.Name, cs.Ready, cs.State)
			}
		}
		return nil
	})
	t.Logf("pod %s is whole", name)
	for ctr, pids := range d.containerInits(uid) {
		if len(pids) != 1 {
			t.Errorf("container %s: processes %v in its cgroup, want exactly one", ctr, pids)
		}
	}
	d.MustCtl("delete", "pod", name)
	d.AssertPodGone(p)
	d.AssertNoPods()
}

// podd killed at each step of an apply, then restarted: the pod is whole or gone, never a
// second process for one container, and podd works as before.
func TestCrashDuringApply(t *testing.T) {
	for _, step := range applyCrashSteps {
		t.Run(step, func(t *testing.T) {
			d := startCrashingPodd(t, step)
			r := d.Ctl("apply", "-f", filepath.Join(repoDir, "examples", "web-sync.yaml"))
			if r.Code == 0 {
				t.Fatalf("apply succeeded although podd was to die at %s: %s", step, r)
			}
			uids := d.podUIDs()
			if len(uids) != 1 {
				t.Fatalf("pod directories after the crash: %v, want one", uids)
			}
			d.restartAfterCrash(step)
			if step == "apply-after-clone" || step == "apply-before-running" {
				// What the crash left running must be gone or adopted, never doubled.
				for ctr, pids := range d.containerInits(uids[0]) {
					if len(pids) > 1 {
						t.Errorf("container %s: %d processes after the restart: %v", ctr, len(pids), pids)
					}
				}
			}
			d.assertWholeOrGone("web-sync", uids[0])
			// podd is fully usable afterwards.
			p := applyWebSync(t, d)
			d.MustCtl("delete", "pod", "web-sync")
			d.AssertPodGone(p)
			d.AssertNoPods()
		})
	}
}

// podd killed at each step of a delete, then restarted: the delete is finished, nothing is
// left, and a pod of the same name can be applied again.
func TestCrashDuringDelete(t *testing.T) {
	for _, step := range deleteCrashSteps {
		t.Run(step, func(t *testing.T) {
			d := startCrashingPodd(t, step)
			p := applyWebSync(t, d)
			if r := d.Ctl("delete", "pod", "web-sync"); r.Code == 0 {
				t.Fatalf("delete succeeded although podd was to die at %s: %s", step, r)
			}
			d.restartAfterCrash(step)
			eventually(t, 10*time.Second, "the delete finished by the restarted podd", func() error {
				if got, err := d.GetPod("web-sync"); err == nil {
					return fmt.Errorf("pod still there: phase %s, deletionTimestamp %v", got.Status.Phase, got.DeletionTimestamp)
				}
				return nil
			})
			d.AssertPodGone(p)
			d.AssertNoPods()
			again := applyWebSync(t, d)
			d.MustCtl("delete", "pod", "web-sync")
			d.AssertPodGone(again)
		})
	}
}

// SIGTERM to a podd that is not PID 1 stops podd, not the pods: a new podd adopts them with
// their processes unchanged.
func TestSigtermKeepsPods(t *testing.T) {
	d := StartPodd(t)
	before := applyWebSync(t, d)
	pids := containerPIDs(t, before)
	if err := d.Stop(10 * time.Second); err != nil {
		t.Fatalf("podd on SIGTERM: %v", err)
	}
	for ctr, pid := range pids {
		if !alive(pid) {
			t.Errorf("container %s (pid %d) stopped with podd: SIGTERM must leave pods running", ctr, pid)
		}
	}
	d.Start()
	after := d.WaitPod("web-sync", 5*time.Second, "Running", func(p *corev1.Pod) error {
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		return nil
	})
	for ctr, pid := range containerPIDs(t, after) {
		if pid != pids[ctr] || !alive(pid) {
			t.Errorf("container %s: pid %d after the restart, was %d", ctr, pid, pids[ctr])
		}
	}
	if r := d.Ctl("get", "pods"); !strings.Contains(r.Stdout, "2/2") {
		t.Errorf("podctl get pods after the restart: %s", r)
	}
	d.MustCtl("delete", "pod", "web-sync")
	d.AssertPodGone(after)
}

// A live upgrade whose execve fails (the binary at podd's path is not executable) leaves the
// running podd serving, with its pods, and says why.
func TestFailedUpgradeKeepsServing(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "podd")
	copyFile(t, poddBin, bin, 0o755)
	if nsinit := filepath.Join(filepath.Dir(poddBin), "podd-nsinit"); fileExists(nsinit) {
		copyFile(t, nsinit, filepath.Join(dir, "podd-nsinit"), 0o755)
	}
	d := StartPoddWith(t, func(d *Podd) { d.Bin = bin })
	pod := applyWebSync(t, d)
	pid := d.PID()
	if err := os.Remove(bin); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, []byte("not a program\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "podd logs the failed upgrade", func() error {
		if !strings.Contains(d.poddLog(), "live upgrade failed") {
			return fmt.Errorf("log:\n%s", d.poddLog())
		}
		return nil
	})
	time.Sleep(200 * time.Millisecond)
	if !d.Running() || d.PID() != pid {
		t.Fatalf("podd exited after the failed upgrade: %v\n%s", d.proc.err, d.poddLog())
	}
	if r := d.Ctl("get", "pod", "web-sync"); r.Code != 0 {
		t.Fatalf("podd does not answer after the failed upgrade: %s", r)
	}
	d.MustCtl("delete", "pod", "web-sync")
	d.AssertPodGone(pod)
}

// A truncated record at start is reported, kept aside for the operator, and the pod's
// processes, cgroup, pins, address and directories are cleaned up.
func TestTruncatedRecordCleanedUp(t *testing.T) {
	d := StartPodd(t)
	pod := applyWebSync(t, d)
	uid := string(pod.UID)
	d.Kill()
	record := filepath.Join(d.Root, "pods", uid, "pod.json")
	b, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(record, b[:len(b)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	d.Start()
	log := d.poddLog()
	if !strings.Contains(log, uid) || !strings.Contains(log, "cannot read the pod record") {
		t.Errorf("podd did not report the unreadable record of %s:\n%s", uid, log)
	}
	kept := filepath.Join(d.Root, "corrupt", uid+".pod.json")
	if got, err := os.ReadFile(kept); err != nil || !bytes.Equal(got, b[:len(b)/2]) {
		t.Errorf("the unreadable record is not kept at %s (%v)", kept, err)
	} else if !strings.Contains(log, kept) {
		t.Errorf("podd's report does not say where the record is kept (%s):\n%s", kept, log)
	}
	eventually(t, 5*time.Second, "the pod's processes gone", func() error {
		for ctr, pid := range containerPIDs(t, pod) {
			if alive(pid) {
				return fmt.Errorf("container %s (pid %d) still running", ctr, pid)
			}
		}
		return nil
	})
	d.AssertPodGone(pod)
	d.AssertNoPods()
}

// What podd finds at start that belongs to no pod is removed and reported: a cgroup under
// <cgroup-root>/pods with a process in it, a pinned namespace, an IPAM address.
func TestOrphansCleanedAtStart(t *testing.T) {
	d := StartPodd(t)
	d.Kill()
	orphan := filepath.Join(d.Cgroup, "pods", "0badc0de-0000-4000-8000-000000000000")
	if err := os.Mkdir(orphan, 0o755); err != nil {
		t.Fatal(err)
	}
	cg, err := os.Open(orphan)
	if err != nil {
		t.Fatal(err)
	}
	sleep := startInCgroup(t, cg, "sleep", "600")
	cg.Close()
	ipam := filepath.Join(d.Root, "ipam", "10.77.3.3")
	if err := os.WriteFile(ipam, []byte("0badc0de-1111-4000-8000-000000000000"), 0o600); err != nil {
		t.Fatal(err)
	}
	pins := filepath.Join(d.RunDir, "ns", "0badc0de-2222-4000-8000-000000000000")
	pin := exec.Command("nsenter", "-t", strconv.Itoa(d.HolderPID()), "-m", "--", "sh", "-c",
		`mkdir -p "$1" && touch "$1/net" && mount --bind /proc/self/ns/net "$1/net"`, "sh", pins)
	if out, err := pin.CombinedOutput(); err != nil {
		t.Fatalf("pin a namespace in podd's mount namespace: %v\n%s", err, out)
	}
	d.Start()
	eventually(t, 5*time.Second, "the orphan process killed", func() error {
		if alive(sleep) {
			return fmt.Errorf("pid %d alive", sleep)
		}
		return nil
	})
	if _, err := os.Stat(orphan); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("orphan cgroup %s still there (%v)", orphan, err)
	}
	if _, err := os.Stat(ipam); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("orphan address %s still held (%v)", ipam, err)
	}
	if m := mountsMatching(strconv.Itoa(d.HolderPID()), pins); len(m) > 0 {
		t.Errorf("orphan pin still mounted:\n%s", strings.Join(m, "\n"))
	}
	if _, err := os.Stat(d.inPoddMountNS(pins)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("orphan pin directory %s still there (%v)", pins, err)
	}
	log := d.poddLog()
	for _, want := range []string{"orphan cgroup " + orphan, "orphan namespace pins " + pins, "orphan address 10.77.3.3"} {
		if !strings.Contains(log, want) {
			t.Errorf("podd's log does not report %q:\n%s", want, log)
		}
	}
	d.AssertNoPods()
}

// The pods cgroup removed under podd (rmdir, possible while no pod exists): the next apply
// works (podd makes it again) or says what is missing.
func TestPodsCgroupRemoved(t *testing.T) {
	d := StartPodd(t)
	if err := syscall.Rmdir(filepath.Join(d.Cgroup, "pods")); err != nil {
		t.Fatalf("rmdir %s/pods: %v", d.Cgroup, err)
	}
	r := d.Ctl("apply", "-f", filepath.Join(repoDir, "examples", "web-sync.yaml"))
	if r.Code != 0 {
		if !strings.Contains(r.Stderr, filepath.Join(d.Cgroup, "pods")) || strings.Contains(r.Stderr, "mkdir") {
			t.Fatalf("apply after rmdir of the pods cgroup: want success or an error naming what is missing, got %s", r)
		}
		return
	}
	p := applyWebSync(t, d)
	d.MustCtl("delete", "pod", "web-sync")
	d.AssertPodGone(p)
	d.AssertNoPods()
}

// `podctl logs` while a container crash-loops: the restart count is written and read under the
// pod's lock. Run against a -race podd (make test-race) a data race there makes podd exit 66,
// which the teardown reports.
func TestLogsDuringCrashLoop(t *testing.T) {
	d := StartPodd(t)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: crashloop}
spec:
  containers:
  - {name: c, image: ` + testImage + `, command: [sh, -c, "echo run; exit 1"]}
`)
	pod := d.MustGetPod("crashloop")
	// The second restart comes after a 10 s back-off: read the logs all along.
	deadline := time.Now().Add(25 * time.Second)
	for time.Now().Before(deadline) {
		d.Ctl("logs", "crashloop")
		p, err := d.GetPod("crashloop")
		if err == nil && len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount >= 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if p := d.MustGetPod("crashloop"); p.Status.ContainerStatuses[0].RestartCount < 2 {
		t.Fatalf("restartCount %d, want >= 2", p.Status.ContainerStatuses[0].RestartCount)
	}
	d.MustCtl("delete", "pod", "crashloop")
	d.AssertPodGone(pod)
	if err := d.Shutdown(20 * time.Second); err != nil {
		t.Fatalf("podd exit: %v (66 is the race detector's)\n%s", err, d.poddLog())
	}
}

// startInCgroup starts a command straight into the cgroup cg (clone3 CLONE_INTO_CGROUP) and
// returns its pid; it is killed at the end of the test.
func startInCgroup(t *testing.T, cg *os.File, name string, args ...string) int {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(cg.Fd())}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s in %s: %v", name, cg.Name(), err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
	return cmd.Process.Pid
}

func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, mode); err != nil {
		t.Fatal(err)
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// podd killed after restarting a container (restartPolicy) but before saving its Running
// status: the restarted podd adopts that run, found in the container's cgroup, instead of
// starting a second copy because the record says the container had exited.
func TestCrashDuringContainerRestart(t *testing.T) {
	d := startCrashingPodd(t, "restart-before-running")
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: restarts}
spec:
  volumes: [{name: state, emptyDir: {}}]
  containers:
  - name: c
    image: ` + testImage + `
    command: [sh, -c, "test -e /state/again || { touch /state/again; sleep 1; exit 1; }; exec sleep 600"]
    volumeMounts: [{name: state, mountPath: /state}]
`)
	pod := d.MustGetPod("restarts")
	d.restartAfterCrash("restart-before-running")
	p := d.WaitPod("restarts", 5*time.Second, "running", func(p *corev1.Pod) error {
		if cs := p.Status.ContainerStatuses[0]; cs.State.Running == nil {
			return fmt.Errorf("state %+v", cs.State)
		}
		return nil
	})
	time.Sleep(500 * time.Millisecond) // a second copy, if any, would be started by now
	inits := d.containerInits(string(pod.UID))
	if len(inits["c"]) != 1 {
		t.Errorf("container c: processes %v in its cgroup, want exactly one", inits["c"])
	}
	if pid := containerPIDs(t, p)["c"]; len(inits["c"]) == 1 && pid != inits["c"][0] {
		t.Errorf("containerID names pid %d, the container's process is %d", pid, inits["c"][0])
	}
	if cs := p.Status.ContainerStatuses[0]; cs.RestartCount != 1 {
		t.Errorf("restartCount %d, want 1", cs.RestartCount)
	}
	if out := d.MustCtl("logs", "restarts", "--previous"); out != "" {
		t.Errorf("logs --previous: %q", out)
	}
	d.MustCtl("delete", "pod", "restarts")
	d.AssertPodGone(p)
}
