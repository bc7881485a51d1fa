package rootfs

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
)

// Keys match as the kubelet's keyring matches them: scheme and /v1/ dropped, docker.io is
// Docker Hub, globs per host label, the port exact, a path a prefix; every matching
// credential is given, the most specific key first, the Secrets' order kept for one key.
func TestSecretKeyring(t *testing.T) {
	sec := PullSecret{Name: "a", Type: SecretTypeDockerConfigJSON, Data: map[string][]byte{
		dockerConfigJSONKey: []byte(`{"auths":{
			"https://index.docker.io/v1/":{"username":"hub","password":"p"},
			"*.example.com":{"auth":"Z2xvYjpw"},
			"reg.example.com/team":{"username":"team","password":"p"},
			"localhost:5000":{"username":"local","password":"p"}}}`)}}
	legacy := PullSecret{Name: "b", Type: SecretTypeDockercfg, Data: map[string][]byte{
		dockercfgKey: []byte(`{"quay.io":{"username":"quay","password":"p"},
			"localhost:5000":{"username":"local2","password":"p"}}`)}}
	opaque := PullSecret{Type: "Opaque", Data: map[string][]byte{"x": []byte("not json")}}
	kr, err := SecretKeyring([]PullSecret{sec, legacy, opaque})
	if err != nil {
		t.Fatal(err)
	}
	for image, want := range map[string]string{
		"nginx:1.27":                      "hub",
		"docker.io/library/nginx":         "hub",
		"reg.example.com/team/app:1":      "team glob",
		"reg.example.com/teamother/app:1": "team glob", // a plain prefix, as in the kubelet
		"reg.example.com/other/app:1":     "glob",
		"a.b.example.com/app":             "",
		"localhost:5000/x":                "local local2",
		"localhost:5001/x":                "",
		"quay.io/org/app":                 "quay",
		"ghcr.io/org/app":                 "",
	} {
		ref, err := name.ParseReference(image)
		if err != nil {
			t.Fatal(err)
		}
		creds, err := kr.Lookup(context.Background(), ref.Context())
		if err != nil {
			t.Fatal(err)
		}
		var users []string
		for _, c := range creds {
			users = append(users, c.Username)
		}
		if got := strings.Join(users, " "); got != want {
			t.Errorf("%s: users %q, want %q", image, got, want)
		}
		if want == "local local2" && (creds[0].From != `secret "a"` || creds[1].From != `secret "b"`) {
			t.Errorf("%s: from %q, %q", image, creds[0].From, creds[1].From)
		}
	}
	bad := PullSecret{Name: "bad", Type: SecretTypeDockerConfigJSON, Data: map[string][]byte{
		dockerConfigJSONKey: []byte(`{"auths":`)}}
	if _, err := SecretKeyring([]PullSecret{bad}); err == nil {
		t.Error("a broken .dockerconfigjson was accepted")
	}
}

// matchImages and credential keys match as the kubelet's URLsMatchStr.
func TestMatchImage(t *testing.T) {
	for _, c := range []struct {
		glob, image string
		want        bool
	}{
		{"*.azurecr.io", "myreg.azurecr.io/app", true},
		{"*.azurecr.io", "a.b.azurecr.io/app", false}, // one label per glob
		{"*.io", "k8s.gcr.io/x", false},
		{"k8s.*.io", "k8s.gcr.io/x", true},
		{"app*.k8s.io", "app1.k8s.io/x", true},
		{"app*.k8s.io", "web.k8s.io/x", false},
		{"gcr.io", "gcr.io/project/x", true},
		{"gcr.io", "eu.gcr.io/project/x", false},
		{"*.*.registry.io", "a.b.registry.io/x", true},
		{"registry.io:8080/path", "registry.io:8080/path/x", true},
		{"registry.io:8080/path", "registry.io/path/x", false},
		{"registry.io:8080/path", "registry.io:8080/other", false},
		{"registry.io", "registry.io:8080/x", false},
		{"123456789.dkr.ecr.us-east-1.amazonaws.com", "123456789.dkr.ecr.us-east-1.amazonaws.com/app", true},
		{"127.0.0.1:5000", "127.0.0.1:5000/private", true},
	} {
		if got := MatchImage(c.glob, c.image); got != c.want {
			t.Errorf("MatchImage(%q, %q) = %v, want %v", c.glob, c.image, got, c.want)
		}
	}
	for _, bad := range []string{"[.example.com", "", "/path"} {
		if CheckMatchImage(bad) == nil {
			t.Errorf("CheckMatchImage(%q) accepted it", bad)
		}
	}
	if err := CheckMatchImage("*.example.com:5000/x"); err != nil {
		t.Error(err)
	}
}
