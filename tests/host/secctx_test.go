package host

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
)

// procStatus is /proc/PID/status of a container's process, read on the host: what the kernel
// says the process is.
func procStatus(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// waitLog waits until the container's log holds a line starting with "done".
func waitLog(t *testing.T, d *Podd, pod, ctr string) string {
	t.Helper()
	var out string
	eventually(t, 10*time.Second, pod+" logs", func() error {
		out = d.Ctl("logs", pod, "-c", ctr).Stdout
		if !strings.Contains(out, "done") {
			return fmt.Errorf("log so far: %q", out)
		}
		return nil
	})
	return out
}

func wantStatus(t *testing.T, status, field, want string) {
	t.Helper()
	if got := statusField(status, field); got != want {
		t.Errorf("%s = %q, want %q", field, got, want)
	}
}

// A container by default: runc's capabilities, no_new_privs, the RuntimeDefault seccomp
// filter (unshare -r refused), RLIMIT_NOFILE 1024:1048576 (clamped to what podd may give) and
// the BestEffort oom_score_adj.
func TestSecurityDefaults(t *testing.T) {
	d := StartPodd(t)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: defaults}
spec:
  containers:
  - name: c
    image: ` + testImage + `
    command: [sh, -c, 'unshare -r true; echo unshare=$?; echo nofile=$(ulimit -n):$(ulimit -Hn); echo done; sleep 600']
`)
	pod := d.MustGetPod("defaults")
	pid := containerPIDs(t, pod)["c"]
	st := procStatus(t, pid)
	wantStatus(t, st, "CapEff", "00000000a80425fb")
	wantStatus(t, st, "NoNewPrivs", "1")
	wantStatus(t, st, "Seccomp", "2")
	out := waitLog(t, d, "defaults", "c")
	if strings.Contains(out, "unshare=0") || !strings.Contains(out, "unshare=") {
		t.Errorf("unshare -r under RuntimeDefault: %q", out)
	}
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	hard := min(lim.Max, 1048576)
	if want := fmt.Sprintf("nofile=%d:%d", min(1024, hard), hard); !strings.Contains(out, want) {
		t.Errorf("log %q, want %s", out, want)
	}
	if adj := readOOMScoreAdj(t, pid); adj != "1000" {
		t.Errorf("BestEffort oom_score_adj = %s, want 1000", adj)
	}
	if r := d.Ctl("exec", "defaults", "--", "unshare", "-r", "true"); r.Code == 0 {
		t.Errorf("unshare -r in an exec'd command under RuntimeDefault succeeded: %s", r)
	}
	d.MustCtl("delete", "pod", "defaults")
}

func readOOMScoreAdj(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/oom_score_adj", pid))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// runAsUser/Group, supplementalGroups and fsGroup as `id` and the kernel see them; a non-root
// user has no capabilities; readOnlyRootFilesystem refuses a write to / while the emptyDir
// (group fsGroup, setgid) takes one; a namespaced sysctl is set in the pod's network namespace.
func TestSecurityContextUser(t *testing.T) {
	d := StartPodd(t)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: user}
spec:
  securityContext:
    runAsUser: 1000
    runAsGroup: 3000
    supplementalGroups: [4000]
    fsGroup: 2000
    sysctls: [{name: net.ipv4.ip_unprivileged_port_start, value: "80"}]
  volumes: [{name: data, emptyDir: {}}]
  containers:
  - name: c
    image: ` + testImage + `
    volumeMounts: [{name: data, mountPath: /data}]
    securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false}
    command: [sh, -c, 'id; touch /x && echo rootfs=writable; touch /data/f && echo data=$(stat -c %g /data/f);
      echo port=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start); echo done; sleep 600']
`)
	pod := d.MustGetPod("user")
	st := procStatus(t, containerPIDs(t, pod)["c"])
	wantStatus(t, st, "Uid", "1000\t1000\t1000\t1000")
	wantStatus(t, st, "Gid", "3000\t3000\t3000\t3000")
	wantStatus(t, st, "Groups", "2000 3000 4000")
	wantStatus(t, st, "CapEff", "0000000000000000")
	wantStatus(t, st, "NoNewPrivs", "1")
	wantStatus(t, st, "Seccomp", "2")
	out := waitLog(t, d, "user", "c")
	for _, want := range []string{"uid=1000 gid=3000 groups=2000,3000,4000", "data=2000", "port=80"} {
		if !strings.Contains(out, want) {
			t.Errorf("log %q lacks %q", out, want)
		}
	}
	if strings.Contains(out, "rootfs=writable") {
		t.Errorf("a write to / succeeded under readOnlyRootFilesystem: %q", out)
	}
	// An exec'd command is the container's user, with its filter.
	if got := d.MustCtl("exec", "user", "--", "id"); !strings.Contains(got, "uid=1000 gid=3000 groups=2000,3000,4000") {
		t.Errorf("exec'd id: %q", got)
	}
	execSt := d.MustCtl("exec", "user", "--", "cat", "/proc/self/status")
	wantStatus(t, execSt, "CapEff", "0000000000000000")
	wantStatus(t, execSt, "NoNewPrivs", "1")
	wantStatus(t, execSt, "Seccomp", "2")
	if host, _ := os.ReadFile("/proc/sys/net/ipv4/ip_unprivileged_port_start"); strings.TrimSpace(string(host)) == "80" {
		t.Error("the pod's sysctl changed podd's network namespace")
	}
	d.MustCtl("delete", "pod", "user")
}

// capabilities add/drop, privileged and Unconfined as the kernel reports them.
func TestSecurityContextCaps(t *testing.T) {
	d := StartPodd(t)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: caps}
spec:
  containers:
  - name: some
    image: ` + testImage + `
    command: [sleep, "600"]
    securityContext: {capabilities: {drop: [ALL], add: [NET_ADMIN, CAP_SYS_TIME]}}
  - name: priv
    image: ` + testImage + `
    command: [sh, -c, 'ls /dev | wc -l; sleep 600']
    securityContext: {privileged: true}
  - name: unconfined
    image: ` + testImage + `
    command: [sleep, "600"]
    securityContext: {seccompProfile: {type: Unconfined}, allowPrivilegeEscalation: true}
`)
	pids := containerPIDs(t, d.MustGetPod("caps"))
	some := procStatus(t, pids["some"])
	wantStatus(t, some, "CapEff", fmt.Sprintf("%016x", 1<<unix.CAP_NET_ADMIN|1<<unix.CAP_SYS_TIME))
	wantStatus(t, some, "NoNewPrivs", "1")
	priv := procStatus(t, pids["priv"])
	wantStatus(t, priv, "CapEff", statusField(procStatus(t, d.PID()), "CapBnd")) // all podd may give
	wantStatus(t, priv, "NoNewPrivs", "0")
	wantStatus(t, priv, "Seccomp", "0")
	if out := d.MustCtl("exec", "caps", "-c", "priv", "--", "cat", "/proc/timer_list"); len(out) == 0 {
		t.Error("/proc/timer_list is masked in a privileged container")
	}
	unconfined := procStatus(t, pids["unconfined"])
	wantStatus(t, unconfined, "Seccomp", "0")
	wantStatus(t, unconfined, "NoNewPrivs", "0")
	wantStatus(t, unconfined, "CapEff", "00000000a80425fb")
	d.MustCtl("delete", "pod", "caps")
}

// runAsNonRoot with an image that runs as root: the pod is accepted and the container waits
// with kubelet's reason and message.
func TestRunAsNonRootRefused(t *testing.T) {
	d := StartPodd(t)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: nonroot}
spec:
  securityContext: {runAsNonRoot: true}
  containers:
  - {name: c, image: ` + testImage + `, command: [sleep, "600"]}
`)
	d.WaitPod("nonroot", 10*time.Second, "CreateContainerConfigError", func(p *corev1.Pod) error {
		cs, err := containerStatus(p, "c")
		if err != nil {
			return err
		}
		w := cs.State.Waiting
		want := fmt.Sprintf("container has runAsNonRoot and image will run as root (pod: %q, container: c)", "nonroot_default("+string(p.UID)+")")
		if w == nil || w.Reason != "CreateContainerConfigError" || w.Message != want {
			return fmt.Errorf("state %+v, want Waiting CreateContainerConfigError %q", cs.State, want)
		}
		return nil
	})
	d.MustCtl("delete", "pod", "nonroot")
}

// Burstable: oom_score_adj 1000 - 1000*request/capacity.
func TestOOMScoreAdjBurstable(t *testing.T) {
	d := StartPodd(t)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: burst}
spec:
  containers:
  - name: c
    image: ` + testImage + `
    command: [sleep, "600"]
    resources: {requests: {memory: 256Mi}}
`)
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil {
		t.Fatal(err)
	}
	capacity := int64(si.Totalram) * int64(si.Unit)
	want := min(max(1000-1000*(256<<20)/capacity, 3), 999)
	if got := readOOMScoreAdj(t, containerPIDs(t, d.MustGetPod("burst"))["c"]); got != strconv.FormatInt(want, 10) {
		t.Errorf("Burstable oom_score_adj = %s, want %d", got, want)
	}
	d.MustCtl("delete", "pod", "burst")
}

// Bad securityContext values are refused with a 422 naming the field.
func TestSecurityContextRefused(t *testing.T) {
	d := StartPodd(t)
	for _, tc := range []struct{ spec, want string }{
		{"  securityContext: {sysctls: [{name: kernel.hostname, value: x}]}\n", "spec.securityContext.sysctls[0].name: Forbidden"},
		{"  securityContext: {runAsUser: -1}\n", "spec.securityContext.runAsUser: Invalid value: -1"},
	} {
		r := d.CtlStdin("apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n"+tc.spec+
			"  containers:\n  - {name: c, image: "+testImage+", command: [sleep, '1']}\n", "apply", "-f", "-")
		if r.Code == 0 || !strings.Contains(r.Stderr, tc.want) {
			t.Errorf("apply with %q: %s, want an error containing %q", tc.spec, r, tc.want)
		}
	}
}

// A Localhost profile from --root/seccomp/ is the container's filter; a missing one leaves the
// container waiting with CreateContainerConfigError.
func TestSeccompLocalhost(t *testing.T) {
	d := StartPodd(t)
	if err := os.MkdirAll(d.Root+"/seccomp/profiles", 0o755); err != nil {
		t.Fatal(err)
	}
	profile := `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]}`
	if err := os.WriteFile(d.Root+"/seccomp/profiles/no-mkdir.json", []byte(profile), 0o644); err != nil {
		t.Fatal(err)
	}
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: local}
spec:
  containers:
  - name: c
    image: ` + testImage + `
    command: [sh, -c, 'mkdir /x 2>&1; echo mkdir=$?; echo done; sleep 600']
    securityContext: {seccompProfile: {type: Localhost, localhostProfile: profiles/no-mkdir.json}}
  - name: missing
    image: ` + testImage + `
    command: [sleep, "600"]
    securityContext: {seccompProfile: {type: Localhost, localhostProfile: profiles/missing.json}}
`)
	out := waitLog(t, d, "local", "c")
	if !strings.Contains(out, "Permission denied") || !strings.Contains(out, "mkdir=1") {
		t.Errorf("mkdir under a profile refusing it with EACCES: %q", out)
	}
	d.WaitPod("local", 10*time.Second, "missing profile", func(p *corev1.Pod) error {
		cs, err := containerStatus(p, "missing")
		if err != nil {
			return err
		}
		if w := cs.State.Waiting; w == nil || w.Reason != "CreateContainerConfigError" || !strings.Contains(w.Message, "localhostProfile") {
			return fmt.Errorf("state %+v", cs.State)
		}
		return nil
	})
	d.MustCtl("delete", "pod", "local")
}
