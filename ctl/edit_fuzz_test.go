package ctl

import (
	"encoding/json"
	"testing"
)

// FuzzEditPatch: no pair of files makes edit-save's patch panic, and a patch made is JSON.
func FuzzEditPatch(f *testing.F) {
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  resourceVersion: \"3\"\nspec:\n  containers:\n  - name: c\n    image: x\n"
	for _, edited := range []string{
		pod, "", "null", "[]", "- 1\n- 2\n", "a: [b: {c: d}]\n", "metadata: !!binary aGk=\n", "&a [*a]\n",
		"spec:\n  containers: null\n", "\"x\"", "{", "metadata: {name: other}\n",
	} {
		f.Add([]byte(pod), []byte(edited))
		f.Add([]byte(edited), []byte(pod))
	}
	f.Fuzz(func(t *testing.T, original, edited []byte) {
		patch, _, err := editPatch(original, edited)
		if err == nil && !json.Valid(patch) {
			t.Fatalf("patch %q is not JSON", patch)
		}
	})
}
