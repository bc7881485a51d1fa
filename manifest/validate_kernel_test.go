package manifest

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/podd/podd/cgroupfs"
)

// TestValidateKernelBounds: each value the kernel would refuse (or that would overflow on its
// way there) is refused with its field and reason.
func TestValidateKernelBounds(t *testing.T) {
	huge := int64(MaxGracePeriodSeconds + 1)
	ok := int64(MaxGracePeriodSeconds)
	cases := []struct {
		name string
		edit func(p *corev1.Pod, c *corev1.Container)
		want string // "" when the pod is valid
	}{
		{"NUL in env value", func(_ *corev1.Pod, c *corev1.Container) {
			c.Env = []corev1.EnvVar{{Name: "A", Value: "x"}, {Name: "B", Value: "a\x00b"}}
		}, `spec.containers[0].env[1].value: Invalid value: "a\x00b": must not contain a NUL byte`},
		{"NUL in env name", func(_ *corev1.Pod, c *corev1.Container) {
			c.Env = []corev1.EnvVar{{Name: "A\x00B", Value: "x"}}
		}, `spec.containers[0].env[0].name: Invalid value`},
		{"NUL in command", func(_ *corev1.Pod, c *corev1.Container) { c.Command = []string{"sh", "-c\x00"} },
			`spec.containers[0].command[1]: Invalid value: "-c\x00": must not contain a NUL byte`},
		{"NUL in args", func(_ *corev1.Pod, c *corev1.Container) { c.Args = []string{"\x00"} },
			`spec.containers[0].args[0]: Invalid value`},
		{"NUL in workingDir", func(_ *corev1.Pod, c *corev1.Container) { c.WorkingDir = "/tmp\x00x" },
			`spec.containers[0].workingDir: Invalid value`},
		{"NUL in image", func(_ *corev1.Pod, c *corev1.Container) { c.Image = "/img\x00" },
			`spec.containers[0].image: Invalid value`},
		{"NUL in mountPath", func(_ *corev1.Pod, c *corev1.Container) { c.VolumeMounts[0].MountPath = "/d\x00" },
			`spec.containers[0].volumeMounts[0].mountPath: Invalid value`},
		{"argument of 200 KB", func(_ *corev1.Pod, c *corev1.Container) { c.Args = []string{strings.Repeat("a", 200_000)} },
			`spec.containers[0].args[0]: Too long: may not be more than 131071 bytes`},
		{"argument of MAX_ARG_STRLEN-1 bytes", func(_ *corev1.Pod, c *corev1.Container) { c.Args = []string{strings.Repeat("a", 131071)} }, ""},
		{"env string of MAX_ARG_STRLEN", func(_ *corev1.Pod, c *corev1.Container) {
			c.Env = []corev1.EnvVar{{Name: "V", Value: strings.Repeat("a", 131070)}}
		}, `spec.containers[0].env[0].value: Too long`},
		{"arguments past the total", func(_ *corev1.Pod, c *corev1.Container) {
			for range 10 {
				c.Args = append(c.Args, strings.Repeat("a", 120_000))
			}
		}, `spec.containers[0]: Invalid value: command, args and env take 1200090 bytes together, more than the 1048576 bytes`},
		{"cpu limit 1e9", func(_ *corev1.Pod, c *corev1.Container) { c.Resources.Limits = limits("cpu", "1e9") },
			`spec.containers[0].resources.limits.cpu: Invalid value: "1e9": must be at most 175921860444m`},
		{"cpu limit 1e30", func(_ *corev1.Pod, c *corev1.Container) { c.Resources.Limits = limits("cpu", "1e30") },
			`spec.containers[0].resources.limits.cpu: Invalid value: "1e30"`},
		{"cpu limit at the maximum", func(_ *corev1.Pod, c *corev1.Container) { c.Resources.Limits = limits("cpu", "175921860444m") }, ""},
		{"cpu limits adding up past the maximum", func(p *corev1.Pod, c *corev1.Container) {
			c.Resources.Limits = limits("cpu", "100000000")
			p.Spec.Containers = append(p.Spec.Containers, *c.DeepCopy())
			p.Spec.Containers[1].Name = "two"
		}, `spec.containers: Invalid value: the cpu limits add up to 200M`},
		{"memory limit 1Ki", func(_ *corev1.Pod, c *corev1.Container) { c.Resources.Limits = limits("memory", "1Ki") },
			`spec.containers[0].resources.limits.memory: Invalid value: "1Ki": must be at least 6Mi`},
		{"memory limit 6Mi", func(_ *corev1.Pod, c *corev1.Container) { c.Resources.Limits = limits("memory", "6Mi") }, ""},
		{"memory limit 1e30", func(_ *corev1.Pod, c *corev1.Container) { c.Resources.Limits = limits("memory", "1e30") },
			`spec.containers[0].resources.limits.memory: Invalid value: "1e30": must be at most`},
		{"mountPath /", func(_ *corev1.Pod, c *corev1.Container) { c.VolumeMounts[0].MountPath = "/" },
			`spec.containers[0].volumeMounts[0].mountPath: Invalid value: "/": must not be /`},
		{"mountPath //.", func(_ *corev1.Pod, c *corev1.Container) { c.VolumeMounts[0].MountPath = "//." },
			`spec.containers[0].volumeMounts[0].mountPath: Invalid value: "//.": must not be /`},
		{"huge grace period", func(p *corev1.Pod, _ *corev1.Container) { p.Spec.TerminationGracePeriodSeconds = &huge },
			`spec.terminationGracePeriodSeconds: Invalid value: 9223372037: must be at most 9223372036`},
		{"longest grace period", func(p *corev1.Pod, _ *corev1.Container) { p.Spec.TerminationGracePeriodSeconds = &ok }, ""},
		{"253-character name", func(p *corev1.Pod, _ *corev1.Container) { p.Name = strings.Repeat("a", 253) }, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pod := validPod()
			tc.edit(pod, &pod.Spec.Containers[0])
			err := Validate(pod)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tc.want != "" && (err == nil || !hasLine(err.Error(), tc.want)):
				t.Fatalf("Validate: %v\nwant a line starting with %q", err, tc.want)
			}
		})
	}
}

func limits(name, q string) corev1.ResourceList {
	return corev1.ResourceList{corev1.ResourceName(name): resource.MustParse(q)}
}

// TestMaxCPULimitFitsCPUMax ties MaxCPULimitMilli to what podd writes: the quota for the largest
// accepted limit is at most the kernel's max_cfs_runtime (2^44-1 µs), one more millicore is not.
func TestMaxCPULimitFitsCPUMax(t *testing.T) {
	const maxBW = 1<<44 - 1
	quota := func(milli int64) int64 {
		var q, period int64
		if _, err := fmt.Sscan(cgroupfs.CPUMaxFromMilliCPU(milli), &q, &period); err != nil {
			t.Fatal(err)
		}
		return q
	}
	if q := quota(MaxCPULimitMilli); q > maxBW {
		t.Errorf("quota %d for the largest limit exceeds %d", q, maxBW)
	}
	if q := quota(MaxCPULimitMilli + 1); q <= maxBW {
		t.Errorf("quota %d for one more millicore still fits: the bound is too tight", q)
	}
}
