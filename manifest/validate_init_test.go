package manifest

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestValidateInitContainersAndHooks(t *testing.T) {
	always, never := corev1.ContainerRestartPolicyAlways, corev1.ContainerRestartPolicy("Never")
	sigterm, bogus := corev1.Signal("SIGTERM"), corev1.Signal("SIGBOGUS")
	sleep := &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 1}}
	for _, c := range []struct {
		name string
		edit func(*corev1.Pod)
		want []string // "" for valid
	}{
		{"init and sidecar", func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "i", Image: "/rootfs"},
				{Name: "s", Image: "/rootfs", RestartPolicy: &always, Lifecycle: &corev1.Lifecycle{PreStop: sleep, StopSignal: &sigterm}}}
		}, nil},
		{"activeDeadlineSeconds 0", func(p *corev1.Pod) {
			var zero int64
			p.Spec.ActiveDeadlineSeconds = &zero
		}, []string{`spec.activeDeadlineSeconds: Invalid value: 0: must be greater than or equal to 1`}},
		{"duplicate name", func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "web", Image: "/rootfs"}}
		}, []string{`spec.initContainers[0].name: Duplicate value: "web"`}},
		{"restartPolicy Never", func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "i", Image: "/rootfs", RestartPolicy: &never}}
		}, []string{`spec.initContainers[0].restartPolicy: Unsupported value: "Never"`}},
		{"hook on a regular init container", func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "i", Image: "/rootfs", Lifecycle: &corev1.Lifecycle{PreStop: sleep}}}
		}, []string{`spec.initContainers[0].lifecycle: Forbidden: ` + notSidecar}},
		{"two handlers, no handler, bad signal", func(p *corev1.Pod) {
			p.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{
				PostStart:  &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{}, HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(80)}},
				PreStop:    &corev1.LifecycleHandler{},
				StopSignal: &bogus,
			}
		}, []string{`spec.containers[0].lifecycle.postStart: Forbidden: may not specify more than 1 handler type`,
			`spec.containers[0].lifecycle.preStop: Required value: must specify a handler type`,
			`spec.containers[0].lifecycle.stopSignal: Unsupported value: "SIGBOGUS"`}},
	} {
		p := &corev1.Pod{}
		p.Name = "p"
		p.Spec.Containers = []corev1.Container{{Name: "web", Image: "/rootfs"}}
		c.edit(p)
		SetDefaults(p)
		err := Validate(p)
		if len(c.want) == 0 {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: valid, want %q", c.name, c.want)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v\nwant %q", c.name, err, w)
			}
		}
	}
}
