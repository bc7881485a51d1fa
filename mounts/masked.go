package mounts

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// Masked paths are hidden from containers (runc/containerd defaults): files get /dev/null bound
// over them, directories an empty read-only tmpfs.
var Masked = []string{
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
	"/sys/firmware", "/sys/devices/virtual/powercap",
}

// ReadOnly paths are bound over themselves read-only.
var ReadOnly = []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}

// Mask applies Masked and ReadOnly inside the freshly mounted /proc and /sys; paths the kernel
// does not have are passed over.
func (r *Root) Mask() error {
	fss := map[string]*os.File{}
	for _, top := range []string{"/proc", "/sys", "/dev"} {
		h, err := r.Open(top)
		if err != nil {
			return err
		}
		defer h.Close()
		fss[top] = h
	}
	null, err := Beneath(fss["/dev"], "null")
	if err != nil {
		return err
	}
	defer null.Close()
	for _, p := range Masked {
		if err := mask(fss, p, null); err != nil {
			return err
		}
	}
	for _, p := range ReadOnly {
		if err := readOnly(fss, p); err != nil {
			return err
		}
	}
	return nil
}

// open resolves an absolute /proc/... or /sys/... path beneath the handle of its filesystem.
func open(fss map[string]*os.File, p string) (*os.File, error) {
	top, rel, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	h, err := Beneath(fss["/"+top], rel)
	if errors.Is(err, unix.ENOENT) {
		return nil, nil
	}
	return h, err
}

func mask(fss map[string]*os.File, p string, null *os.File) error {
	h, err := open(fss, p)
	if err != nil || h == nil {
		return err
	}
	defer h.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(h.Fd()), &st); err != nil {
		return fmt.Errorf("mask %s: %w", p, err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		err = mountOn(h, "tmpfs", "tmpfs", unix.MS_RDONLY|nosuidNodevNoexec, "size=0")
	} else {
		err = mountOn(h, fdPath(null), "", unix.MS_BIND, "")
	}
	if err != nil {
		return fmt.Errorf("mask %s: %w", p, err)
	}
	return nil
}

func readOnly(fss map[string]*os.File, p string) error {
	h, err := open(fss, p)
	if err != nil || h == nil {
		return err
	}
	err = mountOn(h, fdPath(h), "", unix.MS_BIND|unix.MS_REC, "")
	h.Close()
	if err != nil {
		return fmt.Errorf("bind %s: %w", p, err)
	}
	top, err := open(fss, p) // the new mount, not the directory beneath it
	if err != nil {
		return err
	}
	defer top.Close()
	return remountRO(top, p)
}
