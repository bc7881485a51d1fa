package manifest

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestValidateUpdate(t *testing.T) {
	old := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a", Image: "i1"}, {Name: "b", Image: "i2"}},
		InitContainers: []corev1.Container{{Name: "i", Image: "i1"}}}}
	for _, tc := range []struct {
		name   string
		change func(*corev1.Pod)
		want   string // "" allowed, else a substring of the error
		images []int
	}{
		{"labels", func(p *corev1.Pod) { p.Labels = map[string]string{"app": "web"} }, "", nil},
		{"image", func(p *corev1.Pod) { p.Spec.Containers[1].Image = "i3" }, "", []int{1}},
		{"init image", func(p *corev1.Pod) { p.Spec.InitContainers[0].Image = "i3" }, "", []int{0}},
		{"bad label", func(p *corev1.Pod) { p.Labels = map[string]string{"a b": "x"} }, "metadata.labels: Invalid value: \"a b\"", nil},
		{"command", func(p *corev1.Pod) { p.Spec.Containers[0].Command = []string{"x"} },
			"spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`", nil},
		{"renamed", func(p *corev1.Pod) { p.Spec.Containers[0].Name = "c" }, "changed: spec.containers[0] (c)", nil},
		{"policy", func(p *corev1.Pod) { p.Spec.RestartPolicy = corev1.RestartPolicyNever }, "changed: other spec fields", nil},
	} {
		updated := old.DeepCopy()
		tc.change(updated)
		errs := ValidateUpdate(old, updated)
		got := errs.ToAggregate()
		switch {
		case tc.want == "" && got != nil:
			t.Errorf("%s: refused: %v", tc.name, got)
		case tc.want != "" && (got == nil || !strings.Contains(got.Error(), tc.want)):
			t.Errorf("%s: %v, want %q", tc.name, got, tc.want)
		}
		if tc.want == "" && len(ChangedImages(old, updated))+len(ChangedInitImages(old, updated)) != len(tc.images) {
			t.Errorf("%s: changed images %v, want %v", tc.name, ChangedImages(old, updated), tc.images)
		}
	}
}
