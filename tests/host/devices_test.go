package host

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/podd/podd/internal/testutil"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
)

// hostDmesg is the host's kernel log.
func hostDmesg(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("dmesg").Output()
	if err != nil {
		t.Fatalf("dmesg: %v", err)
	}
	return string(out)
}

// hostDisk is a block device the host itself can read: the disk holding / or, where even
// root may not read that (this build machine's sandbox), another disk or a loop device.
func hostDisk(t *testing.T) (major, minor uint32) {
	t.Helper()
	var cands [][2]uint32
	var st unix.Stat_t
	if err := unix.Stat("/", &st); err == nil && unix.Major(st.Dev) != 0 {
		cands = append(cands, [2]uint32{unix.Major(st.Dev), unix.Minor(st.Dev)})
	}
	ents, _ := os.ReadDir("/sys/block")
	for _, loops := range []bool{false, true} {
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), "loop") != loops {
				continue
			}
			var maj, min uint32
			b, _ := os.ReadFile(filepath.Join("/sys/block", e.Name(), "dev"))
			if _, err := fmt.Sscanf(string(b), "%d:%d", &maj, &min); err == nil {
				cands = append(cands, [2]uint32{maj, min})
			}
		}
	}
	node := filepath.Join(t.TempDir(), "disk")
	for _, c := range cands {
		os.Remove(node)
		if unix.Mknod(node, unix.S_IFBLK|0o600, int(unix.Mkdev(c[0], c[1]))) != nil {
			continue
		}
		if readable(node) {
			t.Logf("block device under attack: %d:%d", c[0], c[1])
			return c[0], c[1]
		}
	}
	t.Skip("feature not available: the host has no block device it can read itself")
	return 0, 0
}

func readable(node string) bool {
	f, err := os.Open(node)
	if err != nil {
		return false
	}
	defer f.Close()
	_, err = f.Read(make([]byte, 512))
	return err == nil || err == io.EOF
}

// The attacker's moves, from inside a default container: make the host's /dev/kmsg and root
// disk and use them. Each prints DENIED-<what> when refused.
func attack(marker string, diskMaj, diskMin uint32) string {
	return fmt.Sprintf(`mknod /dev/k c 1 11 && echo %[1]s > /dev/k || echo DENIED-kmsg
mknod /dev/d b %[2]d %[3]d && head -c 512 /dev/d >/dev/null && echo READ-disk || echo DENIED-disk
mknod /null c 1 3 2>/dev/null; echo x > /null || echo DENIED-null-on-root
echo %[1]s > /hostkmsg || echo DENIED-hostkmsg
true < /rodev && echo OPENED-rodev
echo -n > /rodev || echo DENIED-rodev
`, marker, diskMaj, diskMin)
}

// A default container can neither create nor use a device outside the default set: the host's
// /dev/kmsg (host dmesg keeps no marker) and its root disk (the read fails), from the
// container's command or from podctl exec, after the container restarts and after podd does.
// hostPath devices get exactly what they declare (a readOnly CharDevice opens for reading
// only; an untyped hostPath of /dev/kmsg not at all). The
// default devices and a pty still work; / and volumes are nodev, /dev is not.
func TestDevicesDenied(t *testing.T) {
	if _, err := os.Stat("/dev/loop-control"); err != nil {
		testutil.Unavailable(t, "/dev/loop-control (the harmless device a readOnly hostPath CharDevice opens): "+err.Error())
	}
	d := StartPodd(t)
	maj, min := hostDisk(t)
	marker := "podd-devices-" + randomHex(8)
	script := attack(marker, maj, min)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: devices}
spec:
  volumes:
  - {name: data, emptyDir: {}}
  - {name: kmsg, hostPath: {path: /dev/kmsg}}
  - {name: rodev, hostPath: {path: /dev/loop-control, type: CharDevice}}
  containers:
  - name: c
    image: ` + testImage + `
    command: [sh, -c, 'testapp sleep 600 & ` + strings.ReplaceAll(script, "\n", "; ") + ` echo ATTACK-DONE; wait']
    volumeMounts:
    - {name: data, mountPath: /data}
    - {name: kmsg, mountPath: /hostkmsg}
    - {name: rodev, mountPath: /rodev, readOnly: true}
`)
	want := "DENIED-kmsg DENIED-disk DENIED-null-on-root DENIED-hostkmsg OPENED-rodev DENIED-rodev"
	var logs string
	eventually(t, 10*time.Second, "the container's attack finished", func() error {
		logs = d.MustCtl("logs", "devices")
		if !strings.Contains(logs, "ATTACK-DONE") {
			return fmt.Errorf("logs: %q", logs)
		}
		return nil
	})
	checkAttack(t, "container command", logs, want)
	exec := func(what string) {
		r := d.Ctl("exec", "devices", "--", "sh", "-c", script)
		checkAttack(t, what, r.Stdout+r.Stderr, want)
	}
	exec("podctl exec")
	if dm := hostDmesg(t); strings.Contains(dm, marker) {
		t.Fatalf("the host's dmesg has the container's marker %s", marker)
	}
	checkDefaultDevices(t, d, "devices")
	checkNodev(t, containerPIDs(t, d.MustGetPod("devices"))["c"])

	// The restarted container's new cgroup setup and the adopted one (podd restarted) keep it.
	pid := containerPIDs(t, d.MustGetPod("devices"))["c"]
	unix.Kill(pid, unix.SIGKILL)
	d.WaitPod("devices", 20*time.Second, "container restarted", func(p *corev1.Pod) error {
		cs, err := containerStatus(p, "c")
		if err == nil && (cs.RestartCount < 1 || cs.State.Running == nil) {
			err = fmt.Errorf("restarts %d, state %+v", cs.RestartCount, cs.State)
		}
		return err
	})
	exec("podctl exec after a container restart")
	d.Kill()
	d.Start()
	exec("podctl exec after podd restarted")
	if dm := hostDmesg(t); strings.Contains(dm, marker) {
		t.Fatalf("the host's dmesg has the container's marker %s", marker)
	}
	d.MustCtl("delete", "pod", "devices")
}

func checkAttack(t *testing.T, what, out, want string) {
	t.Helper()
	for _, w := range strings.Fields(want) {
		if !strings.Contains(out, w) {
			t.Errorf("%s: output lacks %s:\n%s", what, w, out)
		}
	}
	if strings.Contains(out, "READ-disk") {
		t.Errorf("%s: read the host's disk:\n%s", what, out)
	}
}

// checkDefaultDevices: /dev/null, zero, full, urandom and a pty (exec -t) still work.
func checkDefaultDevices(t *testing.T, d *Podd, pod string) {
	t.Helper()
	out := d.MustCtl("exec", pod, "--", "sh", "-c",
		"echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c && "+
			"head -c 4 /dev/full | wc -c && ! echo x > /dev/full 2>/dev/null && echo OK")
	if strings.Join(strings.Fields(out), " ") != "4 4 4 OK" {
		t.Errorf("default devices: %q, want 4 4 4 OK", out)
	}
	out, err := runInPTY(d, "exec", "-it", pod, "--", "sh", "-c", "tty; echo tty-ok")
	if err != nil || !strings.Contains(out, "/dev/pts/") || !strings.Contains(out, "tty-ok") {
		t.Errorf("podctl exec -it: %v\n%s", err, out)
	}
}

// checkNodev reads the container's mount table: / and a volume are nodev, /dev is not.
func checkNodev(t *testing.T, pid int) {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	opts := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 5 {
			opts[f[4]] = f[5] // mount point -> per-mount options
		}
	}
	for mnt, nodev := range map[string]bool{"/": true, "/data": true, "/etc/hosts": true, "/dev/shm": true, "/dev": false, "/hostkmsg": false, "/rodev": false} {
		o, ok := opts[mnt]
		if !ok {
			t.Errorf("no mount on %s in the container: %v", mnt, opts)
			continue
		}
		if has := strings.Contains(","+o+",", ",nodev,"); has != nodev {
			t.Errorf("%s mount options %q: nodev %v, want %v", mnt, o, has, nodev)
		}
	}
}

// A hostPath that is, is inside or is an ancestor of podd's --root, --run-dir (API socket) or
// --log-dir is refused with the field named, symlinks resolved; nothing is created or left.
func TestHostPathIntoPoddDirsRefused(t *testing.T) {
	d := StartPodd(t)
	link := filepath.Join(t.TempDir(), "innocent")
	if err := os.Symlink(d.Root, link); err != nil {
		t.Fatal(err)
	}
	const state, run, logs = "podd's state directory ", "podd's run directory (API socket) ", "podd's log directory "
	for _, c := range []struct{ path, typ, want string }{
		{d.Root, "Directory", `"` + d.Root + `" is ` + state + d.Root},
		{d.Root + "/pods/new", "DirectoryOrCreate", "is inside " + state + d.Root},
		{d.Dir, "", "is an ancestor of " + state + d.Root},
		{"/", "", "is an ancestor of " + state + d.Root},
		{d.Socket, "Socket", "is inside " + run + d.RunDir},
		{d.LogDir, "", "is " + logs + d.LogDir},
		{link + "/images", "", "is inside " + state + d.Root},
	} {
		manifest := `apiVersion: v1
kind: Pod
metadata: {name: sneaky}
spec:
  volumes:
  - {name: scratch, emptyDir: {}}
  - {name: host, hostPath: {path: "` + c.path + `", type: "` + c.typ + `"}}
  containers:
  - name: c
    image: ` + testImage + `
    command: [testapp, sleep, "600"]
    volumeMounts: [{name: host, mountPath: /host}]
`
		r := d.CtlStdin(manifest, "apply", "-f", "-")
		if r.Code == 0 {
			t.Errorf("hostPath %s: apply succeeded: %s", c.path, r)
			d.Ctl("delete", "pod", "sneaky")
			continue
		}
		for _, w := range []string{"spec.volumes[1].hostPath.path: Forbidden: ", c.want, "(Invalid)"} {
			if !strings.Contains(r.Stderr, w) {
				t.Errorf("hostPath %s: stderr lacks %q: %s", c.path, w, r)
			}
		}
		d.AssertNoPods()
	}
	if _, err := os.Lstat(d.Root + "/pods/new"); err == nil {
		t.Errorf("a refused DirectoryOrCreate hostPath created %s/pods/new", d.Root)
	}
}

// A container started by a podd without the device filter (an upgrade from an older podd)
// gets the filter when the new podd adopts it.
func TestAdoptedContainerGetsFilter(t *testing.T) {
	d := StartPodd(t)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: old}
spec:
  containers:
  - {name: c, image: ` + testImage + `, command: [testapp, sleep, "600"]}
`)
	cg := filepath.Join(d.Cgroup, "pods", string(d.MustGetPod("old").UID), "c")
	detachDeviceFilters(t, cg)
	d.Kill()
	d.Start()
	marker := "podd-adopt-" + randomHex(8)
	r := d.Ctl("exec", "old", "--", "sh", "-c", "mknod /dev/k c 1 11 && echo "+marker+" > /dev/k || echo DENIED-kmsg")
	if !strings.Contains(r.Stdout, "DENIED-kmsg") {
		t.Errorf("exec in the adopted container: %s", r)
	}
	if strings.Contains(hostDmesg(t), marker) {
		t.Fatalf("the host's dmesg has the container's marker %s", marker)
	}
	d.MustCtl("delete", "pod", "old")
}

// detachDeviceFilters removes every device program from the cgroup dir.
func detachDeviceFilters(t *testing.T, dir string) {
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
	for _, ap := range res.Programs {
		p, err := ebpf.NewProgramFromID(ap.ID)
		if err != nil {
			t.Fatal(err)
		}
		err = link.RawDetachProgram(link.RawDetachProgramOptions{Target: int(f.Fd()), Program: p, Attach: ebpf.AttachCGroupDevice})
		p.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
}
