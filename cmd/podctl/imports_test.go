package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPodctlLinksNoServerSide keeps podctl thin: it links podd's API connection and the
// commands it runs itself, never the manifest validation, the API server, the runtime, the
// printing commands podd runs for it (package ctl), nor any k8s.io or sigs.k8s.io package nor
// what they pull in (cbor, YAML, json-iterator): their package initialisation alone was half of
// podctl's start (go list -deps of the binary).
func TestPodctlLinksNoServerSide(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	forbidden := map[string]bool{
		"github.com/podd/podd/manifest":         true,
		"github.com/podd/podd/api":              true,
		"github.com/podd/podd/api/client":       true,
		"github.com/podd/podd/ctl":              true,
		"github.com/podd/podd/runtime":          true,
		"github.com/podd/podd/internal/invalid": true,
		"github.com/fxamacker/cbor/v2":          true,
		"github.com/json-iterator/go":           true,
		"go.yaml.in/yaml/v2":                    true,
		"go.yaml.in/yaml/v3":                    true,
	}
	forbiddenPrefixes := []string{"k8s.io/", "sigs.k8s.io/"}
	deps := strings.Fields(string(out))
	found := false
	for _, d := range deps {
		if forbidden[d] {
			t.Errorf("podctl links %s", d)
		}
		for _, p := range forbiddenPrefixes {
			if strings.HasPrefix(d, p) {
				t.Errorf("podctl links %s", d)
			}
		}
		found = found || d == "github.com/podd/podd/api/podconn"
	}
	if !found {
		t.Errorf("go list -deps does not list github.com/podd/podd/api/podconn: %q", deps)
	}
}
