// Command stubinit is a stand-in /init for the VM tier: the PID 1 half of podd's VM test
// contract (docs/architecture.md, "VM test contract") without the API. It mounts /proc, /sys,
// /dev, /run and cgroup2 on /sys/fs/cgroup, loads the modules listed in /etc/podd/modules with
// finit_module, runs the podd.run= script (default /test/script) with busybox sh, prints
// PODD_RUN_EXIT=<status> on its own line and powers off. First of all it leaves the initramfs
// rootfs for a bind mount of it (see leaveRootfs), so containers can pivot_root.
//
// It doubles as a kernel smoke test (tests/vm/smoke.sh) and lets tests/vm/run be exercised
// without podd. Build it static: CGO_ENABLED=0 go build ./tests/vm/stubinit.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "stubinit: "+format+"\n", args...)
}

func main() {
	if os.Getpid() != 1 {
		logf("not PID 1; refusing to run")
		os.Exit(2)
	}
	status := run()
	// The exit line goes to the console on its own line, whatever the script left unterminated.
	fmt.Fprintf(os.Stdout, "\nPODD_RUN_EXIT=%d\n", status)
	poweroff()
}

func run() int {
	if err := leaveRootfs(); err != nil {
		logf("%v", err)
		return 125
	}
	mounts := []struct {
		src, dst, fstype string
		flags            uintptr
		data             string
	}{
		{"proc", "/proc", "proc", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""},
		{"sysfs", "/sys", "sysfs", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""},
		{"devtmpfs", "/dev", "devtmpfs", unix.MS_NOSUID, "mode=0755"},
		{"tmpfs", "/run", "tmpfs", unix.MS_NOSUID | unix.MS_NODEV, "mode=0755"},
		{"cgroup2", "/sys/fs/cgroup", "cgroup2", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, "nsdelegate"},
	}
	for _, m := range mounts {
		if err := os.MkdirAll(m.dst, 0o755); err != nil {
			logf("mkdir %s: %v", m.dst, err)
		}
		if err := unix.Mount(m.src, m.dst, m.fstype, m.flags, m.data); err != nil {
			logf("mount %s on %s: %v", m.fstype, m.dst, err)
			return 125
		}
	}
	// The kernel opens /dev/console as fds 0-2 of init when the rootfs has that node (its built-in
	// initramfs does); without it the Go runtime puts /dev/null there (or dies if that is
	// missing too). Then take the console from devtmpfs.
	var st unix.Stat_t
	if err := unix.Fstat(1, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev == unix.Mkdev(1, 3) {
		if f, err := os.OpenFile("/dev/console", os.O_RDWR|unix.O_NOCTTY, 0); err == nil {
			for fd := 0; fd <= 2; fd++ {
				_ = unix.Dup3(int(f.Fd()), fd, 0)
			}
			f.Close()
			logf("no console from the kernel: reopened /dev/console")
		}
	}

	loadModules("/etc/podd/modules")

	script, args := "/test/script", cmdlineFlags()
	if v, ok := args["run"]; ok {
		script = v
	}
	up := uptime()
	logf("running %s (uptime %s s)", script, up)

	cmd := exec.Command("/bin/busybox", "sh", script)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, os.Stdout, os.Stderr
	cmd.Dir = "/root"
	cmd.Env = []string{"PATH=/bin:/sbin", "HOME=/root", "TERM=dumb", "PODD_VM=1"}
	if err := cmd.Start(); err != nil {
		logf("start %s: %v", script, err)
		return 127
	}
	// Reap everything (orphans reparent to PID 1) until the script itself exits.
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			logf("wait4: %v", err)
			return 125
		}
		if pid != cmd.Process.Pid {
			continue
		}
		switch {
		case ws.Exited():
			return ws.ExitStatus()
		case ws.Signaled():
			return 128 + int(ws.Signal())
		}
	}
}

// leaveRootfs puts a bind mount of the initramfs over / and chroots into it. pivot_root(2)
// refuses (EINVAL) to move away from the initial rootfs, even in a new mount namespace, so
// without this no container could pivot_root; with it, children's mount namespaces can.
func leaveRootfs() error {
	const dir = "/.rootfs-bind"
	if err := os.Mkdir(dir, 0o700); err != nil {
		return fmt.Errorf("leave rootfs: %w", err)
	}
	steps := []struct {
		what string
		do   func() error
	}{
		{"bind / on " + dir, func() error { return unix.Mount("/", dir, "", unix.MS_BIND|unix.MS_REC, "") }},
		{"chdir " + dir, func() error { return unix.Chdir(dir) }},
		{"move . to /", func() error { return unix.Mount(".", "/", "", unix.MS_MOVE, "") }},
		{"chroot .", func() error { return unix.Chroot(".") }},
		{"chdir /", func() error { return unix.Chdir("/") }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			return fmt.Errorf("leave rootfs: %s: %w", s.what, err)
		}
	}
	_ = os.Remove(dir)
	return nil
}

// loadModules loads each .ko named in path (one absolute path a line, in order) with
// finit_module(fd, "", 0). Already loaded (EEXIST) is fine; other errors are reported and the
// next module is tried, so the script sees what is missing.
func loadModules(path string) {
	f, err := os.Open(path)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			logf("%v", err)
		}
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.TrimSpace(sc.Text())
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		start := time.Now()
		err := finit(p)
		switch {
		case err == nil:
			logf("loaded %s (%v)", p, time.Since(start).Round(time.Millisecond))
		case errors.Is(err, unix.EEXIST):
		default:
			logf("load %s: %v", p, err)
		}
	}
}

func finit(path string) error {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.FinitModule(fd, "", 0)
}

// cmdlineFlags returns the podd.KEY=VALUE entries of /proc/cmdline as KEY -> VALUE. The kernel
// passes dotted parameters to neither init's argv nor its environment (it takes them for module
// parameters), so /proc/cmdline is the only place to find them.
func cmdlineFlags() map[string]string {
	out := map[string]string{}
	b, err := os.ReadFile("/proc/cmdline")
	if err != nil {
		logf("%v", err)
		return out
	}
	for _, f := range strings.Fields(string(b)) {
		k, v, ok := strings.Cut(f, "=")
		if key, found := strings.CutPrefix(k, "podd."); found && ok {
			out[key] = v
		}
	}
	return out
}

func uptime() string {
	b, _ := os.ReadFile("/proc/uptime")
	if i := bytes.IndexByte(b, ' '); i > 0 {
		return string(b[:i])
	}
	return "?"
}

func poweroff() {
	// Whatever the script left running dies now; then flush and power off. With -no-reboot,
	// qemu exits when the guest powers off.
	_ = syscall.Kill(-1, syscall.SIGKILL)
	unix.Sync()
	err := unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
	logf("reboot(POWER_OFF): %v", err)
	// Returning from PID 1 panics the kernel; panic=-1 plus -no-reboot then ends qemu too.
	os.Exit(1)
}
