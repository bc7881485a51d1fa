package rootfs

import (
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// Keys match as the kubelet's keyring matches them: scheme and /v1/ dropped, docker.io is
// Docker Hub, globs per host label, the port exact, a path a prefix; the most specific wins.
func TestSecretKeychain(t *testing.T) {
	sec := PullSecret{Type: SecretTypeDockerConfigJSON, Data: map[string][]byte{
		dockerConfigJSONKey: []byte(`{"auths":{
			"https://index.docker.io/v1/":{"username":"hub","password":"p"},
			"*.example.com":{"auth":"Z2xvYjpw"},
			"reg.example.com/team":{"username":"team","password":"p"},
			"localhost:5000":{"username":"local","password":"p"}}}`)}}
	legacy := PullSecret{Type: SecretTypeDockercfg, Data: map[string][]byte{
		dockercfgKey: []byte(`{"quay.io":{"username":"quay","password":"p"}}`)}}
	opaque := PullSecret{Type: "Opaque", Data: map[string][]byte{"x": []byte("not json")}}
	kc, err := SecretKeychain([]PullSecret{sec, legacy, opaque})
	if err != nil {
		t.Fatal(err)
	}
	for image, want := range map[string]string{
		"nginx:1.27":                      "hub",
		"docker.io/library/nginx":         "hub",
		"reg.example.com/team/app:1":      "team",
		"reg.example.com/teamother/app:1": "glob",
		"a.b.example.com/app":             "",
		"localhost:5000/x":                "local",
		"localhost:5001/x":                "",
		"quay.io/org/app":                 "quay",
		"ghcr.io/org/app":                 "",
	} {
		ref, err := name.ParseReference(image)
		if err != nil {
			t.Fatal(err)
		}
		a, err := kc.Resolve(ref.Context())
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := a.Authorization()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Username != want {
			t.Errorf("%s: user %q, want %q", image, cfg.Username, want)
		}
		if want == "" && a != authn.Anonymous {
			t.Errorf("%s: not anonymous", image)
		}
	}
	bad := PullSecret{Name: "bad", Type: SecretTypeDockerConfigJSON, Data: map[string][]byte{
		dockerConfigJSONKey: []byte(`{"auths":`)}}
	if _, err := SecretKeychain([]PullSecret{bad}); err == nil {
		t.Error("a broken .dockerconfigjson was accepted")
	}
}
