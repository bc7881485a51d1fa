package runtime

import "testing"

// TestDeviceHookKeptOn: podd attaches an allow-all device filter to the pods cgroup once, at
// start, so containers' attaches and removals never switch the kernel's device-filter hook
// (before, the first container's attach switched it on and the last removal off).
func TestDeviceHookKeptOn(t *testing.T) {
	_, h := newTestRuntime(t)
	if n := h.count("devices.attach cgroup/pods"); n != 1 {
		t.Errorf("device filter attached to the pods cgroup %d times, want once; calls %v", n, h.called("devices."))
	}
}
