package host

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// credRegistry is where the credential provider tests' registry listens, in podd's own network
// namespace: fixed, so the provider's matchImages can name it before podd starts.
const credRegistry = "127.0.0.1:5000"

// providerScript is a credential provider plugin: it keeps the request, and fails while the
// file fail exists in its state directory (its first argument), else answers with alice's
// credentials for credRegistry, counting its answers in answered.
const providerScript = `#!/bin/sh
cat > "$1/request"
if [ -e "$1/fail" ]; then echo "token service down ($TOKEN_SERVICE)" >&2; exit 3; fi
echo ok >> "$1/answered"
cat <<END
{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderResponse",
 "cacheKeyType":"Image","auth":{"` + credRegistry + `":{"username":"alice","password":"s3cret"}}}
END
`

// startWithProvider starts podd with a credential provider for credRegistry whose state is in
// the returned directory.
func startWithProvider(t *testing.T) (*Podd, string) {
	var state string
	d := StartPoddWith(t, func(d *Podd) {
		bin, cfg := filepath.Join(d.Dir, "plugins"), filepath.Join(d.Dir, "credprovider.yaml")
		state = filepath.Join(d.Dir, "plugin-state")
		for _, dir := range []string{bin, state} {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(bin, "test-provider"), []byte(providerScript), 0o755); err != nil {
			t.Fatal(err)
		}
		config := `apiVersion: kubelet.config.k8s.io/v1
kind: CredentialProviderConfig
providers:
- name: test-provider
  matchImages: ["` + credRegistry + `"]
  defaultCacheDuration: 1h
  apiVersion: credentialprovider.kubelet.k8s.io/v1
  args: [` + state + `]
  env: [{name: TOKEN_SERVICE, value: sts.example}]
`
		if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
			t.Fatal(err)
		}
		d.args = []string{"--image-credential-provider-config", cfg, "--image-credential-provider-bin-dir", bin}
	})
	return d, state
}

// TestCredentialProvider: podd runs the kubelet's credential provider plugin for an image its
// matchImages match and pulls with the credentials it gives. While the plugin fails, the pull
// goes without credentials: the pod waits ErrImagePull with the registry's 401 and the
// plugin's error; once it answers, the pod runs; a second pod pulling the image again (Always)
// within the cache duration does not run the plugin again.
func TestCredentialProvider(t *testing.T) {
	d, state := startWithProvider(t)
	reg, host := testRegistryAt(t, d, credRegistry)
	reg.RequireAuth("alice", "s3cret")
	reg.Push(t, "private:1", podTestImage(t))
	if err := os.WriteFile(filepath.Join(state, "fail"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	d.Apply(registryPodYAML("first", host+"/private:1"))
	p := d.WaitPod("first", 60*time.Second, "ErrImagePull", waitingReason("ErrImagePull"))
	msg := p.Status.ContainerStatuses[0].State.Waiting.Message
	for _, want := range []string{"UNAUTHORIZED", `credential provider "test-provider"`, "exit status 3", "token service down (sts.example)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("ErrImagePull message %q lacks %q", msg, want)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(state, "request")); !strings.Contains(string(b), `"kind":"CredentialProviderRequest"`) ||
		!strings.Contains(string(b), `"image":"`+credRegistry+`/private"`) {
		t.Errorf("the plugin's request: %s", b)
	}
	if err := os.Remove(filepath.Join(state, "fail")); err != nil {
		t.Fatal(err)
	}
	d.WaitPod("first", 90*time.Second, "running with the plugin's credentials", podRunning)
	second := strings.Replace(registryPodYAML("second", host+"/private:1"), "command:", "imagePullPolicy: Always, command:", 1)
	d.Apply(second)
	d.WaitPod("second", 60*time.Second, "running with the cached credentials", podRunning)
	if b, _ := os.ReadFile(filepath.Join(state, "answered")); strings.Count(string(b), "ok") != 1 {
		t.Errorf("the plugin answered %d times, want once (its answer is cached for an hour)", strings.Count(string(b), "ok"))
	}
	d.MustCtl("delete", "pod", "first", "second")
	d.AssertNoPods()
}
