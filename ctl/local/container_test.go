package local

import (
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The container logs and exec use when none is named, as kubectl's podcmd picks it.
func TestDefaultContainer(t *testing.T) {
	ctrs := func(names ...string) []corev1.Container {
		var out []corev1.Container
		for _, n := range names {
			out = append(out, corev1.Container{Name: n})
		}
		return out
	}
	for _, tc := range []struct {
		name       string
		annotation string
		spec       corev1.PodSpec
		want, warn string
	}{
		{"only one", "", corev1.PodSpec{Containers: ctrs("web")}, "web", ""},
		{"first of two", "", corev1.PodSpec{Containers: ctrs("web", "sync")}, "web", `Defaulted container "web" out of: web, sync`},
		{"annotation", "sync", corev1.PodSpec{Containers: ctrs("web", "sync")}, "sync", ""},
		{"annotation naming no container", "nope", corev1.PodSpec{Containers: ctrs("web", "sync")}, "web", `Defaulted container "web" out of: web, sync`},
		{"init containers listed", "", corev1.PodSpec{Containers: ctrs("web"), InitContainers: ctrs("setup"),
			EphemeralContainers: []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debug"}}}},
			"web", `Defaulted container "web" out of: web, debug (ephem), setup (init)`},
	} {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"}, Spec: tc.spec}
		if tc.annotation != "" {
			pod.Annotations = map[string]string{defaultContainerAnnotation: tc.annotation}
		}
		var warn strings.Builder
		got, err := DefaultContainer(viewOf(t, pod), &warn)
		if err != nil || got != tc.want || strings.TrimSuffix(warn.String(), "\n") != tc.warn {
			t.Errorf("%s: %q %v, warning %q; want %q, %q", tc.name, got, err, warn.String(), tc.want, tc.warn)
		}
	}
	if _, err := DefaultContainer(viewOf(t, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"}}), nil); err == nil ||
		err.Error() != "pod default/p does not have any containers" {
		t.Errorf("no containers: %v", err)
	}
}

// viewOf is pod as getPod decodes podd's answer: its JSON read into a Pod.
func viewOf(t *testing.T, pod *corev1.Pod) *Pod {
	t.Helper()
	data, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	var v Pod
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return &v
}
