package manifest

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// The API server's rules for mountPropagation, recursiveReadOnly and shareProcessNamespace,
// with its words.
func TestMountModesAndSharedPID(t *testing.T) {
	pod := validPod()
	bidi, h2c := corev1.MountPropagationBidirectional, corev1.MountPropagationHostToContainer
	enabled, bogus := corev1.RecursiveReadOnlyEnabled, corev1.RecursiveReadOnlyMode("Sometimes")
	share := true
	pod.Spec.ShareProcessNamespace, pod.Spec.HostPID = &share, true
	pod.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{
		{Name: "data", MountPath: "/a", MountPropagation: &bidi},
		{Name: "data", MountPath: "/b", RecursiveReadOnly: &enabled},
		{Name: "data", MountPath: "/c", ReadOnly: true, RecursiveReadOnly: &enabled, MountPropagation: &h2c},
		{Name: "data", MountPath: "/d", ReadOnly: true, RecursiveReadOnly: &bogus},
	}
	err := Validate(pod)
	for _, want := range []string{
		`spec.securityContext.shareProcessNamespace: Invalid value: true: ShareProcessNamespace and HostPID cannot both be enabled`,
		`spec.containers[0].volumeMounts[0].mountPropagation: Forbidden: Bidirectional mount propagation is available only to privileged containers`,
		`spec.containers[0].volumeMounts[1].recursiveReadOnly: Forbidden: may only be specified when readOnly is true`,
		`spec.containers[0].volumeMounts[2].recursiveReadOnly: Forbidden: may only be specified when mountPropagation is None or not specified`,
		`spec.containers[0].volumeMounts[3].recursiveReadOnly: Unsupported value: "Sometimes"`,
	} {
		if err == nil || !hasLine(err.Error(), want) {
			t.Errorf("error %v, want a line %s", err, want)
		}
	}
	privileged := true
	pod = validPod()
	pod.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: &privileged}
	pod.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{
		{Name: "data", MountPath: "/a", MountPropagation: &bidi},
		{Name: "data", MountPath: "/b", ReadOnly: true, RecursiveReadOnly: &enabled},
	}
	if err := Validate(pod); err != nil {
		t.Errorf("a privileged Bidirectional mount and a recursiveReadOnly one: %v", err)
	}
}
