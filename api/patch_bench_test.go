package api

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// BenchmarkPatched is the cost of applying one patch of each type to a two-container pod
// (encode the pod, patch, decode): what a PATCH adds to the update behind it.
func BenchmarkPatched(b *testing.B) {
	cur := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "/images/a"}, {Name: "log", Image: "/images/b"}}}}
	for _, tc := range []struct {
		pt    types.PatchType
		patch string
	}{
		{types.StrategicMergePatchType, `{"spec":{"containers":[{"name":"log","image":"/images/c"}]}}`},
		{types.MergePatchType, `{"metadata":{"labels":{"tier":"x"}}}`},
		{types.JSONPatchType, `[{"op":"replace","path":"/spec/containers/1/image","value":"/images/c"}]`},
	} {
		b.Run(string(tc.pt), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := patched(cur, tc.pt, []byte(tc.patch)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
