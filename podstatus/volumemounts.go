package podstatus

import v1 "k8s.io/api/core/v1"

// RecursiveReadOnlySupported says whether this machine's kernel makes a mount read-only with
// its submounts (mount_setattr, Linux >= 5.12): what recursiveReadOnly IfPossible resolves
// to. podd sets it once at start from the kernel (mounts.RecursiveReadOnlySupported); the
// package itself does no I/O.
var RecursiveReadOnlySupported = true

// VolumeMounts is status.containerStatuses[].volumeMounts as the kubelet reports it
// (convertToAPIContainerStatuses): every mount of the spec with its name, path and readOnly,
// and for a read-only one recursiveReadOnly resolved to Enabled or Disabled (IfPossible by
// what the kernel can do).
func VolumeMounts(mounts []v1.VolumeMount) []v1.VolumeMountStatus {
	if len(mounts) == 0 {
		return nil
	}
	out := make([]v1.VolumeMountStatus, len(mounts))
	for i, m := range mounts {
		out[i] = v1.VolumeMountStatus{Name: m.Name, MountPath: m.MountPath, ReadOnly: m.ReadOnly}
		if !m.ReadOnly {
			continue
		}
		mode := v1.RecursiveReadOnlyDisabled
		if rro := m.RecursiveReadOnly; rro != nil && (*rro == v1.RecursiveReadOnlyEnabled ||
			*rro == v1.RecursiveReadOnlyIfPossible && RecursiveReadOnlySupported) {
			mode = v1.RecursiveReadOnlyEnabled
		}
		out[i].RecursiveReadOnly = &mode
	}
	return out
}
