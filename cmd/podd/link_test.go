package main

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestPoddLinksNoTemplate: podd, built with the Makefile's tags, links neither text/template
// nor html/template. Their method calls by a name known only at run time make the linker keep
// every exported method of every type in the binary (the k8s.io/api types' protobuf code among
// them): 4.6 MB more text and tables for podd to map (README, Memory).
func TestPoddLinksNoTemplate(t *testing.T) {
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^GOFLAGS\s*\+=\s*(-tags=\S+)`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("no GOFLAGS += -tags=... line in the Makefile")
	}
	cmd := exec.Command("go", "list", "-deps", string(m[1]), ".")
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", m[1], err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "text/template" || pkg == "html/template" {
			t.Errorf("podd links %s (with %s)", pkg, m[1])
		}
	}
}
