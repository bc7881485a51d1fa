package mounts

import (
	"errors"
	"fmt"
	"os"

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

// Mask applies Masked and ReadOnly; paths the kernel does not have are passed over.
func (r *Root) Mask() error {
	for _, p := range Masked {
		if err := r.mask(p); err != nil {
			return err
		}
	}
	for _, p := range ReadOnly {
		if err := r.readOnly(p); err != nil {
			return err
		}
	}
	return nil
}

func (r *Root) mask(p string) error {
	h, err := r.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
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
		err = r.bindNull(h)
	}
	if err != nil {
		return fmt.Errorf("mask %s: %w", p, err)
	}
	return nil
}

func (r *Root) bindNull(h *os.File) error {
	null, err := r.Open("/dev/null")
	if err != nil {
		return err
	}
	defer null.Close()
	return mountOn(h, fdPath(null), "", unix.MS_BIND, "")
}

func (r *Root) readOnly(p string) error {
	h, err := r.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	err = mountOn(h, fdPath(h), "", unix.MS_BIND|unix.MS_REC, "")
	h.Close()
	if err != nil {
		return fmt.Errorf("bind %s: %w", p, err)
	}
	return r.remountRO(p)
}
