package api

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// FuzzPatch: no patch of any type makes patched panic, and none renames the pod.
func FuzzPatch(f *testing.F) {
	for _, seed := range []string{
		`{"metadata":{"labels":{"app":"web"}}}`,
		`{"metadata":{"labels":{"app":null}}}`,
		`{"metadata":{"name":"other"}}`,
		`{"spec":{"containers":[{"name":"c","image":"/x"}]}}`,
		`[1,2]`, `null`, `"x"`, `{"metadata":null}`, `{"spec":{"containers":null}}`,
		`{"metadata":{"annotations":{"a":{"b":[{"c":{}}]}}}}`,
		`[{"op":"replace","path":"/metadata/name","value":"x"}]`,
		`[{"op":"copy","from":"/spec","path":"/metadata/annotations/a"},{"op":"copy","from":"/metadata","path":"/spec/x"}]`,
		`[{"op":"add","path":"/spec/containers/-1","value":{}}]`, `[{"op":"test","path":"/x","value":1}]`,
		`{"spec":{"containers":[{"name":"c","$patch":"delete"}]}}`,
		`{"spec":{"$setElementOrder/containers":[{"name":"z"}],"containers":[{"name":"z","image":"/y"}]}}`,
		`{"metadata":{"$retainKeys":["name"],"labels":{"$patch":"replace"}}}`,
		`{"spec":{"containers":[[1]]}}`, `{"$patch":"delete"}`, `{"spec":{"volumes":[{"$patch":"merge"}]}}`,
	} {
		f.Add([]byte(seed))
	}
	cur := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "/rootfs"}}}}
	f.Fuzz(func(t *testing.T, patch []byte) {
		for _, pt := range patchTypes {
			out, err := patched(cur, pt, patch)
			if err == nil && (out.Name != "web" || out.Namespace != "default") {
				t.Fatalf("%s %q renamed the pod to %s/%s", pt, patch, out.Namespace, out.Name)
			}
		}
	})
}
