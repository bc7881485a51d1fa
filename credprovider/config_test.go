package credprovider

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writePlugin writes an executable shell script name into dir.
func writePlugin(t *testing.T, dir, name, script string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
}

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const goodProvider = `
- name: test-plugin
  matchImages: ["*.example.com", "127.0.0.1:5000/team"]
  defaultCacheDuration: 10m
  apiVersion: credentialprovider.kubelet.k8s.io/v1
  args: [--flag]
  env: [{name: A, value: b}]
`

// A config is checked at start as the kubelet checks it; each error names its field.
func TestLoadValidates(t *testing.T) {
	bin := t.TempDir()
	writePlugin(t, bin, "test-plugin", "exit 0\n")
	head := "apiVersion: kubelet.config.k8s.io/v1\nkind: CredentialProviderConfig\nproviders:"
	if ps, err := Load(writeConfig(t, head+goodProvider), bin); err != nil || len(ps.list) != 1 {
		t.Fatalf("a good config: %v", err)
	}
	for text, want := range map[string]string{
		"apiVersion: v1\nkind: CredentialProviderConfig\nproviders:" + goodProvider:  `apiVersion: Unsupported value: "v1"`,
		"apiVersion: kubelet.config.k8s.io/v1\nkind: Pod\nproviders:" + goodProvider: `kind: Unsupported value: "Pod"`,
		head + " []":                       "providers: Required value",
		head + goodProvider + goodProvider: `providers[1].name: Duplicate value: "test-plugin"`,
		head + strings.Replace(goodProvider, "name: test-plugin", "name: ../x", 1):                                     `providers[0].name: Invalid value: "../x": provider name cannot contain '/'`,
		head + strings.Replace(goodProvider, `"*.example.com"`, `"[.example.com"`, 1):                                  "providers[0].matchImages[0]: Invalid value",
		head + strings.Replace(goodProvider, `matchImages: ["*.example.com", "127.0.0.1:5000/team"]`, "", 1):           "providers[0].matchImages: Required value",
		head + strings.Replace(goodProvider, "defaultCacheDuration: 10m", "", 1):                                       "providers[0].defaultCacheDuration: Required value",
		head + strings.Replace(goodProvider, "10m", "-1m", 1):                                                          "providers[0].defaultCacheDuration: Invalid value",
		head + strings.Replace(goodProvider, "kubelet.k8s.io/v1", "kubelet.k8s.io/v2", 1):                              `providers[0].apiVersion: Unsupported value: "credentialprovider.kubelet.k8s.io/v2"`,
		head + strings.Replace(goodProvider, "args:", "tokenAttributes: {serviceAccountTokenAudience: x}\n  args:", 1): "providers[0].tokenAttributes: Forbidden",
		head + strings.Replace(goodProvider, "args:", "matchImage: [x]\n  args:", 1):                                   `unknown field "matchImage"`,
		head + strings.Replace(goodProvider, "name: test-plugin", "name: missing", 1):                                  "providers[0].name: no plugin executable in " + bin,
	} {
		_, err := Load(writeConfig(t, text), bin)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("config\n%s\nerror %v, want %q", text, err, want)
		}
	}
	if _, err := Load(writeConfig(t, head+goodProvider), filepath.Join(bin, "nope")); err == nil {
		t.Error("a missing bin dir was accepted")
	}
}
