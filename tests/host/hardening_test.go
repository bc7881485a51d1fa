package host

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// Containers and exec'd commands get runc's default capabilities (CapEff 0x00000000a80425fb),
// the kernel-information files are masked and /proc/sys is read-only.
func TestDefaultHardening(t *testing.T) {
	d := StartPodd(t)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: hardened}
spec:
  containers:
  - {name: c, image: ` + testImage + `, command: [testapp, sleep, "600"]}
`)
	pod := d.MustGetPod("hardened")
	const want = "00000000a80425fb"
	pid := containerPIDs(t, pod)["c"]
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"CapEff", "CapPrm", "CapBnd"} {
		if got := statusField(string(status), field); got != want {
			t.Errorf("container PID 1 %s = %s, want %s", field, got, want)
		}
	}
	if got := statusField(d.MustCtl("exec", "hardened", "--", "cat", "/proc/self/status"), "CapEff"); got != want {
		t.Errorf("exec'd process CapEff = %s, want %s", got, want)
	}
	if r := d.Ctl("exec", "hardened", "--", "hostname", "other"); r.Code == 0 {
		t.Errorf("sethostname without CAP_SYS_ADMIN succeeded: %s", r)
	}
	for _, masked := range []string{"/proc/timer_list", "/proc/sched_debug", "/proc/keys"} {
		if _, err := os.Stat(masked); err != nil {
			continue // this kernel has no such file
		}
		if out := d.MustCtl("exec", "hardened", "--", "cat", masked); out != "" {
			t.Errorf("%s is not masked: %.80q", masked, out)
		}
	}
	r := d.Ctl("exec", "hardened", "--", "sh", "-c", "echo 1 > /proc/sys/kernel/ns_last_pid")
	if r.Code == 0 || !strings.Contains(r.Stderr+r.Stdout, "Read-only file system") {
		t.Errorf("write to /proc/sys: %s", r)
	}
	d.MustCtl("delete", "pod", "hardened")
}
