package api

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// FuzzPatch: no merge patch makes patched panic, and none renames the pod.
func FuzzPatch(f *testing.F) {
	for _, seed := range []string{
		`{"metadata":{"labels":{"app":"web"}}}`,
		`{"metadata":{"labels":{"app":null}}}`,
		`{"metadata":{"name":"other"}}`,
		`{"spec":{"containers":[{"name":"c","image":"/x"}]}}`,
		`[1,2]`, `null`, `"x"`, `{"metadata":null}`, `{"spec":{"containers":null}}`,
		`{"metadata":{"annotations":{"a":{"b":[{"c":{}}]}}}}`,
	} {
		f.Add([]byte(seed))
	}
	cur := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "/rootfs"}}}}
	f.Fuzz(func(t *testing.T, patch []byte) {
		out, err := patched(cur, patch)
		if err == nil && (out.Name != "web" || out.Namespace != "default") {
			t.Fatalf("patch %q renamed the pod to %s/%s", patch, out.Namespace, out.Name)
		}
	})
}
