package host

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A plain rootfs directory works as an image (image: /abs/dir), with no image config: the
// command comes from the pod alone.
func TestDirectoryImage(t *testing.T) {
	d := StartPodd(t)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: dir-image}
spec:
  containers:
  - name: c
    image: ` + strings.TrimPrefix(strings.TrimSuffix(testImage, ":latest"), "oci:") + `.rootfs
    command: [testapp, sleep, "600"]
`)
	pod := d.MustGetPod("dir-image")
	if got := strings.TrimSpace(d.MustCtl("exec", "dir-image", "--", "cat", "/etc/hostname")); got != "dir-image" {
		t.Errorf("hostname file in a dir-image container: %q", got)
	}
	d.MustCtl("delete", "pod", "dir-image")
	d.AssertPodGone(pod)
}

// podctl exec -it gives the command a terminal from the container's own devpts.
func TestExecTTY(t *testing.T) {
	d := StartPodd(t)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: tty}
spec:
  containers:
  - {name: c, image: ` + testImage + `, command: [testapp, sleep, "600"]}
`)
	out, err := runInPTY(d, "exec", "-it", "tty", "--", "sh", "-c", "tty; echo tty-ok")
	if err != nil {
		t.Fatalf("podctl exec -it: %v\n%s", err, out)
	}
	if !strings.Contains(out, "/dev/pts/") || !strings.Contains(out, "tty-ok") {
		t.Fatalf("podctl exec -it output:\n%s", out)
	}
	d.MustCtl("delete", "pod", "tty")
}

// runInPTY runs podctl with a pseudo-terminal as its controlling terminal and stdio.
func runInPTY(d *Podd, args ...string) (string, error) {
	master, slave, err := openPTY()
	if err != nil {
		return "", err
	}
	defer master.Close()
	cmd := exec.Command(podctlBin, args...)
	cmd.Env = append(os.Environ(), "PODD_SOCKET="+d.Socket)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		slave.Close()
		return "", err
	}
	slave.Close()
	var out bytes.Buffer
	copied := make(chan struct{})
	go func() { _, _ = io.Copy(&out, master); close(copied) }()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		err = fmt.Errorf("timed out: %v", <-done)
	}
	select {
	case <-copied:
	case <-time.After(2 * time.Second):
	}
	return out.String(), err
}

func openPTY() (*os.File, *os.File, error) {
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return nil, nil, err
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	slave, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	return master, slave, nil
}
