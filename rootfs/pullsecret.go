package rootfs

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
)

// PullSecret is what pull credentials are read from: a Secret's name, type and data (the
// package stays free of the Kubernetes API types).
type PullSecret struct {
	Name string
	Type string // kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg; others are ignored
	Data map[string][]byte
}

// The Secret types and keys of docker credentials (corev1.SecretTypeDockerConfigJson...).
const (
	SecretTypeDockerConfigJSON = "kubernetes.io/dockerconfigjson"
	SecretTypeDockercfg        = "kubernetes.io/dockercfg"
	dockerConfigJSONKey        = ".dockerconfigjson"
	dockercfgKey               = ".dockercfg"
)

// dockerHub is the registry go-containerregistry names Docker Hub by; credentials keyed
// docker.io or https://index.docker.io/v1/ are for it.
const dockerHub = "index.docker.io"

// SecretKeyring reads the credentials of kubernetes.io/dockerconfigjson (.dockerconfigjson:
// {"auths": {...}}) and kubernetes.io/dockercfg (.dockercfg: {...}) Secrets, as the kubelet
// does; Secrets of other types are ignored. Lookup gives every credential whose key matches
// the image (MatchImage), most specific key first, the Secrets' order kept for one key: a
// pull tries each in turn, as the kubelet does.
func SecretKeyring(secrets []PullSecret) (Keyring, error) {
	kr := &keyring{creds: map[string][]Credential{}}
	for _, sec := range secrets {
		auths, err := secretAuths(sec)
		if err != nil {
			return nil, fmt.Errorf("image pull secret %q: %w", sec.Name, err)
		}
		for _, loc := range slices.Sorted(maps.Keys(auths)) {
			kr.add(loc, auths[loc], fmt.Sprintf("secret %q", sec.Name))
		}
	}
	kr.index()
	return kr, nil
}

func secretAuths(sec PullSecret) (map[string]authn.AuthConfig, error) {
	var auths map[string]authn.AuthConfig
	switch sec.Type {
	case SecretTypeDockerConfigJSON:
		var doc struct {
			Auths map[string]authn.AuthConfig `json:"auths"`
		}
		if err := json.Unmarshal(sec.Data[dockerConfigJSONKey], &doc); err != nil {
			return nil, fmt.Errorf("data[%s]: %w", dockerConfigJSONKey, err)
		}
		auths = doc.Auths
	case SecretTypeDockercfg:
		if err := json.Unmarshal(sec.Data[dockercfgKey], &auths); err != nil {
			return nil, fmt.Errorf("data[%s]: %w", dockercfgKey, err)
		}
	}
	return auths, nil
}

// decodeAuth splits a base64 "auth" (user:password) into its parts, as docker does.
func decodeAuth(c authn.AuthConfig) authn.AuthConfig {
	out := authn.AuthConfig{Username: c.Username, Password: c.Password, Auth: c.Auth,
		IdentityToken: c.IdentityToken, RegistryToken: c.RegistryToken}
	if out.Username == "" && out.Password == "" && c.Auth != "" {
		if a, err := authn.FromConfig(c).Authorization(); err == nil {
			out.Username, out.Password = a.Username, a.Password
		}
	}
	return out
}

// credentialKey normalizes a docker config key: no scheme, /v1/ or /v2/ prefix or trailing
// slash; docker.io is Docker Hub's index.docker.io.
func credentialKey(loc string) string {
	if !strings.Contains(loc, "://") {
		loc = "https://" + loc
	}
	u, err := url.Parse(loc)
	if err != nil || u.Host == "" {
		return ""
	}
	p := u.Path
	if strings.HasPrefix(p, "/v1/") || strings.HasPrefix(p, "/v2/") {
		p = p[3:]
	}
	host := u.Host
	if host == "docker.io" {
		host = dockerHub
	}
	return host + strings.TrimSuffix(p, "/")
}
