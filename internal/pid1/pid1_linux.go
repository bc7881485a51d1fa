// Package pid1 does what podd must do when the kernel starts it as init: leave the initramfs
// rootfs (pivot_root refuses it), mount the early filesystems, load kernel modules, set the
// loopback up, read its flags from the kernel command line, and power the machine off at the end.
package pid1

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// Mount is one early filesystem, a small typed value so the set reads as a table.
type Mount struct {
	Source, Target, Type string
	Flags                uintptr
	Data                 string
}

const nosuidNodevNoexec = unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC

// EarlyMounts are mounted in order before anything else runs.
var EarlyMounts = []Mount{
	{"proc", "/proc", "proc", nosuidNodevNoexec, ""},
	{"sysfs", "/sys", "sysfs", nosuidNodevNoexec, ""},
	{"devtmpfs", "/dev", "devtmpfs", unix.MS_NOSUID, "mode=0755"},
	{"devpts", "/dev/pts", "devpts", unix.MS_NOSUID | unix.MS_NOEXEC, "mode=0620,ptmxmode=0666"},
	{"tmpfs", "/dev/shm", "tmpfs", unix.MS_NOSUID | unix.MS_NODEV, "mode=1777"},
	{"tmpfs", "/run", "tmpfs", unix.MS_NOSUID | unix.MS_NODEV, "mode=0755"},
	{"tmpfs", "/tmp", "tmpfs", unix.MS_NOSUID | unix.MS_NODEV, "mode=1777"},
	// favordynmods: moving a process between cgroups no longer waits for an RCU grace period
	// (~19 ms); kernels before 6.0 lack it, and then the mount is retried with nsdelegate alone.
	{"cgroup2", "/sys/fs/cgroup", "cgroup2", nosuidNodevNoexec, "nsdelegate,favordynmods"},
}

// Setup prepares the machine for podd as PID 1.
func Setup() error {
	if err := leaveRootfs(); err != nil {
		return err
	}
	for _, m := range EarlyMounts {
		if err := m.mount(); err != nil {
			return err
		}
	}
	LoadModules("/etc/podd/modules")
	return LoopbackUp()
}

// LoopbackUp sets the loopback interface of the calling thread's network namespace up, as every
// init does: 127.0.0.1 (and a hostPort on it) answers on the node.
func LoopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("loopback up: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return fmt.Errorf("loopback up: %w", err)
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("loopback up: flags of lo: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("loopback up: %w", err)
	}
	return nil
}

func (m Mount) mount() error {
	if err := os.MkdirAll(m.Target, 0o755); err != nil {
		return fmt.Errorf("early mount: %w", err)
	}
	err := unix.Mount(m.Source, m.Target, m.Type, m.Flags, m.Data)
	if err == unix.EINVAL && strings.Contains(m.Data, ",favordynmods") {
		err = unix.Mount(m.Source, m.Target, m.Type, m.Flags, strings.Replace(m.Data, ",favordynmods", "", 1))
	}
	if err != nil {
		return fmt.Errorf("mount %s on %s: %w", m.Type, m.Target, err)
	}
	return nil
}

// leaveRootfs moves a bind mount of the initramfs over / and chroots into it, so containers'
// mount namespaces have a real mount to pivot_root away from.
func leaveRootfs() error {
	var st unix.Statfs_t
	if err := unix.Statfs("/", &st); err != nil {
		return fmt.Errorf("statfs /: %w", err)
	}
	if st.Type != unix.RAMFS_MAGIC && st.Type != unix.TMPFS_MAGIC {
		return nil // a real root filesystem: nothing to leave
	}
	const dir = "/.podd-root"
	steps := []struct {
		what string
		do   func() error
	}{
		{"mkdir " + dir, func() error { return os.MkdirAll(dir, 0o700) }},
		{"bind / on " + dir, func() error { return unix.Mount("/", dir, "", unix.MS_BIND|unix.MS_REC, "") }},
		{"chdir " + dir, func() error { return unix.Chdir(dir) }},
		{"move . to /", func() error { return unix.Mount(".", "/", "", unix.MS_MOVE, "") }},
		{"chroot .", func() error { return unix.Chroot(".") }},
		{"chdir /", func() error { return unix.Chdir("/") }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			return fmt.Errorf("leave initramfs: %s: %w", s.what, err)
		}
	}
	_ = os.Remove(dir)
	return nil
}

// LoadModules loads each .ko listed in path (one a line, in dependency order). Already loaded
// is fine; other failures are logged and the rest still tried.
func LoadModules(path string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		ko := strings.TrimSpace(sc.Text())
		if ko == "" || strings.HasPrefix(ko, "#") {
			continue
		}
		if err := loadModule(ko); err != nil {
			fmt.Fprintf(os.Stderr, "podd: %v\n", err)
		}
	}
}

func loadModule(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("load module: %w", err)
	}
	defer f.Close()
	if err := unix.FinitModule(int(f.Fd()), "", 0); err != nil && err != unix.EEXIST {
		return fmt.Errorf("load module %s: %w", path, err)
	}
	return nil
}

// CmdlineFlags turns every podd.KEY=VALUE on the kernel command line into --KEY=VALUE (the kernel
// keeps dotted names out of init's argv and environment).
func CmdlineFlags() []string {
	data, err := os.ReadFile("/proc/cmdline")
	if err != nil {
		return nil
	}
	return parseCmdline(string(data))
}

func parseCmdline(s string) []string {
	var flags []string
	for _, w := range cmdlineWords(s) {
		if kv, ok := strings.CutPrefix(w, "podd."); ok {
			flags = append(flags, "--"+kv)
		}
	}
	return flags
}

// cmdlineWords splits the kernel command line as the kernel does (next_arg): on spaces
// outside double quotes, the quotes themselves removed, so podd.run="/a b" is one word.
func cmdlineWords(s string) []string {
	var words []string
	var w strings.Builder
	quoted, inWord := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case !quoted && (r == ' ' || r == '\t' || r == '\n'):
			if inWord {
				words = append(words, w.String())
				w.Reset()
			}
			inWord = false
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// PowerOff kills what is left, syncs and powers the machine off.
func PowerOff() {
	_ = unix.Kill(-1, unix.SIGKILL)
	unix.Sync()
	_ = unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
	select {}
}
