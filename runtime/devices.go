package runtime

import (
	"fmt"

	"github.com/podd/podd/cgroupfs/devices"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
)

// attachDeviceFilter attaches the container's device filter to its cgroup, before any of its
// processes (nsinit included) enters it: every start and restart gets it afresh.
func (c *container) attachDeviceFilter() error {
	rules, err := c.deviceRules()
	if err != nil {
		return err
	}
	return c.p.rt.devices(c.cgroup(), rules)
}

// privilegedDevices lets a privileged container use and create every device (runc's).
var privilegedDevices = []devices.Rule{
	{Type: devices.Char, Major: devices.Wildcard, Minor: devices.Wildcard, Access: devices.RWM},
	{Type: devices.Block, Major: devices.Wildcard, Minor: devices.Wildcard, Access: devices.RWM},
}

// deviceRules is the default device set plus each hostPath CharDevice or BlockDevice the
// container mounts, with the device it is on the host now: read, and write unless the mount
// is readOnly (a read-only mount alone does not stop writes to a device node).
func (c *container) deviceRules() ([]devices.Rule, error) {
	if sc := c.spec.SecurityContext; sc != nil && sc.Privileged != nil && *sc.Privileged {
		return privilegedDevices, nil
	}
	rules := append([]devices.Rule(nil), devices.Default...)
	for i, vm := range c.spec.VolumeMounts {
		h := c.p.hostPathOf(vm.Name)
		if h == nil || h.Type == nil || (*h.Type != corev1.HostPathCharDev && *h.Type != corev1.HostPathBlockDev) {
			continue
		}
		r, err := deviceRule(h.Path, *h.Type)
		if err != nil {
			return nil, fmt.Errorf("%s.volumeMounts[%d]: %w", c.fieldPath(), i, err)
		}
		if !vm.ReadOnly {
			r.Access |= devices.Write
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// deviceRule reads path's device number (symlinks followed, as the bind mount does).
func deviceRule(path string, t corev1.HostPathType) (devices.Rule, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return devices.Rule{}, fmt.Errorf("hostPath %q: %w", path, err)
	}
	kind, want := devices.Char, uint32(unix.S_IFCHR)
	if t == corev1.HostPathBlockDev {
		kind, want = devices.Block, unix.S_IFBLK
	}
	if st.Mode&unix.S_IFMT != want {
		return devices.Rule{}, fmt.Errorf("hostPath %q is not of type %s", path, t)
	}
	return devices.Rule{Type: kind, Major: int64(unix.Major(st.Rdev)), Minor: int64(unix.Minor(st.Rdev)),
		Access: devices.Read}, nil
}
