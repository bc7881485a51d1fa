package manifest

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode: no manifest, pod or ConfigMap/Secret body makes the decoders panic; what decodes
// as a pod has a name and a container (validation ran).
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*")
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	for _, seed := range []string{
		"apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - {name: c, image: /r}\n",
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":"v"}}`,
		`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"a"},"stringData":{"k":"v"},"type":"kubernetes.io/tls"}`,
		"kind: List\nitems: [{kind: Pod}]\n---\n[]\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pods, err := Decode(data)
		if err == nil {
			for _, p := range pods {
				if p.Name == "" || len(p.Spec.Containers) == 0 {
					t.Fatalf("%q decoded to a pod without name or container: %+v", data, p)
				}
			}
		}
		_, _ = DecodeConfigMapJSON(data)
		_, _ = DecodeSecretJSON(data)
	})
}
