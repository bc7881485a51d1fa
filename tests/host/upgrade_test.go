package host

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// SIGHUP re-executes podd in place (a live upgrade): same pid, the pods keep running as its
// children, and an exit that happens after the upgrade still reports its real exit code.
func TestLiveUpgradeKeepsExitCodes(t *testing.T) {
	d := StartPodd(t)
	d.Apply(strings.ReplaceAll(`apiVersion: v1
kind: Pod
metadata: {name: upgrade}
spec:
  restartPolicy: Never
  containers:
  - {name: quits, image: IMAGE, command: [sh, -c, "sleep 2; exit 42"]}
  - {name: stays, image: IMAGE, command: [testapp, sleep, "600"]}
`, "IMAGE", testImage))
	before := d.MustGetPod("upgrade")
	pids := containerPIDs(t, before)
	poddPID := d.PID()
	if err := syscall.Kill(poddPID, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	after := d.WaitPod("upgrade", 10*time.Second, "quits terminated with 42", func(p *corev1.Pod) error {
		cs, err := containerStatus(p, "quits")
		if err != nil {
			return err
		}
		if cs.State.Terminated == nil {
			return fmt.Errorf("state %+v", cs.State)
		}
		if cs.State.Terminated.ExitCode != 42 || cs.State.Terminated.Reason != "Error" {
			return fmt.Errorf("terminated %+v, want exit code 42, reason Error", cs.State.Terminated)
		}
		return nil
	})
	if d.PID() != poddPID || !alive(poddPID) {
		t.Fatalf("podd pid changed or died across the upgrade")
	}
	if pid := containerPIDs(t, after)["stays"]; pid != pids["stays"] || !alive(pid) {
		t.Errorf("container stays: pid %d after upgrade, was %d", pid, pids["stays"])
	}
	d.MustCtl("delete", "pod", "upgrade")
	d.AssertPodGone(before)
}

// A second podd on the same --root is refused before it touches anything: two supervisors
// would fight over the same pods.
func TestSecondPoddOnSameRootRefused(t *testing.T) {
	d := StartPodd(t)
	out, err := exec.Command(poddBin, "--root", d.Root, "--run-dir", t.TempDir(), "--log-dir", t.TempDir(),
		"--bridge", "", "--cgroup-root", "/sys/fs/cgroup/unified/podd-never-created").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "another podd is using --root "+d.Root) {
		t.Fatalf("second podd: err %v, output:\n%s", err, out)
	}
	if _, err := os.Stat("/sys/fs/cgroup/unified/podd-never-created"); err == nil {
		t.Fatal("the refused podd created its cgroup")
	}
	d.MustCtl("get", "pods") // the first one still answers
}
