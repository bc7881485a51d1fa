package podstatus

import (
	"testing"

	v1 "k8s.io/api/core/v1"
)

// status.containerStatuses[].volumeMounts as the kubelet fills it: every mount, and
// recursiveReadOnly (Enabled or Disabled) on the read-only ones only, IfPossible resolved by
// the kernel.
func TestVolumeMountStatuses(t *testing.T) {
	rro := func(m v1.RecursiveReadOnlyMode) *v1.RecursiveReadOnlyMode { return &m }
	spec := &v1.Container{Name: "c", VolumeMounts: []v1.VolumeMount{
		{Name: "rw", MountPath: "/rw"},
		{Name: "ro", MountPath: "/ro", ReadOnly: true},
		{Name: "on", MountPath: "/on", ReadOnly: true, RecursiveReadOnly: rro(v1.RecursiveReadOnlyEnabled)},
		{Name: "maybe", MountPath: "/maybe", ReadOnly: true, RecursiveReadOnly: rro(v1.RecursiveReadOnlyIfPossible)},
	}}
	for _, kernel := range []bool{true, false} {
		RecursiveReadOnlySupported = kernel
		got := ContainerStatus(spec, Container{}).VolumeMounts
		want := map[string]string{"rw": "", "ro": "Disabled", "on": "Enabled", "maybe": "Disabled"}
		if kernel {
			want["maybe"] = "Enabled"
		}
		if len(got) != len(spec.VolumeMounts) {
			t.Fatalf("volumeMounts %+v", got)
		}
		for i, m := range got {
			if m.Name != spec.VolumeMounts[i].Name || m.MountPath != spec.VolumeMounts[i].MountPath ||
				m.ReadOnly != spec.VolumeMounts[i].ReadOnly {
				t.Errorf("mount %d: %+v", i, m)
			}
			var mode string
			if m.RecursiveReadOnly != nil {
				mode = string(*m.RecursiveReadOnly)
			}
			if mode != want[m.Name] {
				t.Errorf("kernel rro %v: %s recursiveReadOnly %q, want %q", kernel, m.Name, mode, want[m.Name])
			}
		}
	}
	RecursiveReadOnlySupported = true
}
