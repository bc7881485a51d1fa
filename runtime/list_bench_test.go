package runtime

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BenchmarkList1000 is `podctl get pods` at 1000 pods on podd's side: listing, sorting and
// copying every pod.
func BenchmarkList1000(b *testing.B) {
	rt := &Runtime{pods: map[string]*pod{}}
	for i := 0; i < 1000; i++ {
		obj := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("pod-%04d", (i*7919)%1000), Namespace: "default",
				Labels: map[string]string{"app": "web"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "oci:/x",
				Command: []string{"sleep", "infinity"}}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.88.0.2",
				ContainerStatuses: []corev1.ContainerStatus{{Name: "web", Ready: true}}},
		}
		rt.pods[key(obj.Namespace, obj.Name)] = &pod{obj: obj}
	}
	b.ReportAllocs()
	for b.Loop() {
		pods, err := rt.List("")
		if err != nil || len(pods) != 1000 || pods[0].Name != "pod-0000" || pods[999].Name != "pod-0999" {
			b.Fatalf("List: %d pods, %v", len(pods), err)
		}
	}
}
