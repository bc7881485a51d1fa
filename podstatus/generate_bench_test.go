package podstatus

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// Generate runs at every status change of a pod (each start, exit, probe verdict): these
// measure it for a plain two-container pod and for one with two init containers and a sidecar.
func BenchmarkGenerate(b *testing.B) {
	pod := podOf(corev1.RestartPolicyAlways, "a", "b")
	o := Pod{SandboxReady: true, StartTime: t0, PodIPs: []string{"10.88.0.2"},
		Containers: []Container{{State: Running, StartedAt: t0}, {State: Running, StartedAt: t0}}}
	b.ReportAllocs()
	for b.Loop() {
		pod.Status = Generate(pod, o, t0)
	}
}

func BenchmarkGenerateWithInitContainers(b *testing.B) {
	pod := podWithInit(corev1.RestartPolicyAlways, []string{"i1", "i2", "s+"}, "a", "b")
	done := Container{State: Exited, Exit: &Exit{Code: 0, StartedAt: t0, FinishedAt: t0}}
	o := Pod{SandboxReady: true, StartTime: t0, PodIPs: []string{"10.88.0.2"},
		InitContainers: []Container{done, done, {State: Running, StartedAt: t0}},
		Containers:     []Container{{State: Running, StartedAt: t0}, {State: Running, StartedAt: t0}}}
	b.ReportAllocs()
	for b.Loop() {
		pod.Status = Generate(pod, o, t0)
	}
}
