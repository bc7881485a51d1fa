package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPodctlLinksNoServerSide keeps podctl thin: it links the API client, never the manifest
// validation, the API server, the runtime or what only they use (go list -deps of the binary).
func TestPodctlLinksNoServerSide(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	forbidden := map[string]bool{
		"github.com/podd/podd/manifest":         true,
		"github.com/podd/podd/api":              true,
		"github.com/podd/podd/runtime":          true,
		"github.com/podd/podd/internal/invalid": true,
		"k8s.io/apimachinery/pkg/util/yaml":     true,
	}
	deps := strings.Fields(string(out))
	found := false
	for _, d := range deps {
		if forbidden[d] {
			t.Errorf("podctl links %s", d)
		}
		found = found || d == "github.com/podd/podd/api/client"
	}
	if !found {
		t.Errorf("go list -deps does not list github.com/podd/podd/api/client: %q", deps)
	}
}
