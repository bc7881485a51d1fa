package host

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// inPodd runs a command in podd's mount namespace (the holder's).
func (d *Podd) inPodd(t *testing.T, args ...string) {
	t.Helper()
	cmd := append([]string{"-t", strconv.Itoa(d.HolderPID()), "-m", "--"}, args...)
	if out, err := exec.Command("nsenter", cmd...).CombinedOutput(); err != nil {
		t.Fatalf("nsenter %v: %v: %s", args, err, out)
	}
}

// mountLine is the /proc/PID/mountinfo line of the mount at mountPoint (the last one), "" if none.
func mountLine(t *testing.T, d *Podd, pod, mountPoint string) string {
	t.Helper()
	var last string
	for _, l := range strings.Split(d.MustCtl("exec", pod, "--", "cat", "/proc/self/mountinfo"), "\n") {
		if f := strings.Fields(l); len(f) > 4 && f[4] == mountPoint {
			last = l
		}
	}
	return last
}

// TestMountPropagation: mountPropagation None binds a shared host mount privately,
// HostToContainer as its slave (a mount made on podd's side afterwards shows in the container),
// Bidirectional as its peer (a mount the privileged container makes shows on podd's side); the
// tags in /proc/PID/mountinfo say so.
func TestMountPropagation(t *testing.T) {
	d := StartPodd(t)
	dir := t.TempDir()
	d.inPodd(t, "mount", "--bind", dir, dir)
	t.Cleanup(func() {
		_ = exec.Command("nsenter", "-t", strconv.Itoa(d.HolderPID()), "-m", "--", "umount", "-R", dir).Run()
	})
	d.inPodd(t, "mount", "--make-shared", dir)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: prop}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: app
    image: ` + testImage + `
    command: [/bin/sleep, "3600"]
    securityContext: {privileged: true}
    volumeMounts:
    - {name: h, mountPath: /none}
    - {name: h, mountPath: /h2c, mountPropagation: HostToContainer}
    - {name: h, mountPath: /bidi, mountPropagation: Bidirectional}
  volumes:
  - {name: h, hostPath: {path: ` + dir + `}}
`)
	none, h2c, bidi := mountLine(t, d, "prop", "/none"), mountLine(t, d, "prop", "/h2c"), mountLine(t, d, "prop", "/bidi")
	if strings.Contains(none, "shared:") || strings.Contains(none, "master:") {
		t.Errorf("None is not private: %s", none)
	}
	if !strings.Contains(h2c, "master:") || strings.Contains(h2c, "shared:") {
		t.Errorf("HostToContainer is not a slave: %s", h2c)
	}
	if !strings.Contains(bidi, "shared:") {
		t.Errorf("Bidirectional is not shared: %s", bidi)
	}
	d.inPodd(t, "mkdir", "-p", dir+"/fromhost", dir+"/fromctr")
	d.inPodd(t, "mount", "-t", "tmpfs", "-o", "size=1m", "fromhost", dir+"/fromhost")
	eventually(t, 10*time.Second, "the host's mount in the container", func() error {
		if mountLine(t, d, "prop", "/h2c/fromhost") == "" {
			return fmt.Errorf("no /h2c/fromhost in the container")
		}
		return nil
	})
	if l := mountLine(t, d, "prop", "/none/fromhost"); l != "" {
		t.Errorf("a host mount reached the None volume: %s", l)
	}
	d.MustCtl("exec", "prop", "--", "mount", "-t", "tmpfs", "fromctr", "/bidi/fromctr")
	if m := mountsMatching(strconv.Itoa(d.HolderPID()), dir+"/fromctr"); len(m) == 0 {
		t.Errorf("the container's mount under its Bidirectional volume is not on podd's side")
	}
	p := d.MustGetPod("prop")
	d.MustCtl("delete", "pod", "prop")
	d.AssertPodGone(p)
}

// TestRecursiveReadOnly: readOnly alone leaves a submount of the volume writable;
// recursiveReadOnly: Enabled makes it read-only too (mount_setattr AT_RECURSIVE); the status's
// volumeMounts say which is which.
func TestRecursiveReadOnly(t *testing.T) {
	d := StartPodd(t)
	dir := t.TempDir()
	d.inPodd(t, "mkdir", "-p", dir+"/sub")
	d.inPodd(t, "mount", "-t", "tmpfs", "-o", "size=1m", "sub", dir+"/sub")
	t.Cleanup(func() {
		_ = exec.Command("nsenter", "-t", strconv.Itoa(d.HolderPID()), "-m", "--", "umount", "-R", dir+"/sub").Run()
	})
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: rro}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: app
    image: ` + testImage + `
    command: [/bin/sleep, "3600"]
    volumeMounts:
    - {name: h, mountPath: /ro, readOnly: true}
    - {name: h, mountPath: /rro, readOnly: true, recursiveReadOnly: Enabled}
  volumes:
  - {name: h, hostPath: {path: ` + dir + `}}
`)
	for mp, want := range map[string]string{"/ro": "ro", "/ro/sub": "rw", "/rro": "ro", "/rro/sub": "ro"} {
		f := strings.Fields(mountLine(t, d, "rro", mp))
		if len(f) < 6 || !strings.HasPrefix(f[5], want+",") {
			t.Errorf("%s: mount options %v, want %s", mp, f, want)
		}
	}
	if r := d.Ctl("exec", "rro", "--", "touch", "/rro/sub/x"); r.Code == 0 {
		t.Errorf("wrote into a submount of a recursiveReadOnly volume")
	}
	d.MustCtl("exec", "rro", "--", "touch", "/ro/sub/x")
	// the status lists the mounts as the kubelet does, recursiveReadOnly resolved
	got := d.MustCtl("get", "pod", "rro", "-o", "jsonpath={range .status.containerStatuses[0].volumeMounts[*]}{.mountPath}={.recursiveReadOnly} {end}")
	if want := "/ro=Disabled /rro=Enabled "; got != want {
		t.Errorf("status volumeMounts %q, want %q", got, want)
	}
	p := d.MustGetPod("rro")
	d.MustCtl("delete", "pod", "rro")
	d.AssertPodGone(p)
}
