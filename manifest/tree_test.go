package manifest

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestBuildTreeRejectsBadPaths(t *testing.T) {
	tests := map[string]string{
		"spec.containerz":           "has no field containerz",
		"spec.containers.name":      "containers is a list: write containers[]",
		"spec.restartPolicy[]":      "restartPolicy is not a list",
		"spec.containers[].imagee":  "has no field imagee",
		"metadata.labels.app.extra": "has no field extra",
	}
	for path, want := range tests {
		err := newNode(reflect.TypeFor[corev1.Pod]()).add(path)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("add(%q) = %v, want an error containing %q", path, err, want)
		}
	}
}

func TestSupportedTable(t *testing.T) {
	// podTree is built at init; check a few nodes ended up where expected.
	containers := podTree.children["spec"].children["containers"]
	if containers == nil || containers.elem.children["image"] == nil {
		t.Fatal("spec.containers[].image missing from the tree")
	}
	if !podTree.children["status"].any {
		t.Error("status is not accepted as a whole")
	}
	if sc := podTree.children["spec"].children["securityContext"]; sc == nil || sc.children["runAsUser"] == nil || sc.children["seLinuxOptions"] != nil {
		t.Error("spec.securityContext should accept runAsUser and not seLinuxOptions")
	}
}
