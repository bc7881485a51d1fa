package rootfs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
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

// secretKeychain holds the credentials of a pod's image pull secrets, keyed as the kubelet's
// keyring keys them (host, or host/path, without scheme and /v1/ or /v2/), most specific first.
type secretKeychain struct {
	keys  []string
	creds map[string]authn.AuthConfig
	id    string // a digest of the credentials: pulls with different ones are not shared
}

// SecretKeychain reads the credentials of kubernetes.io/dockerconfigjson (.dockerconfigjson:
// {"auths": {...}}) and kubernetes.io/dockercfg (.dockercfg: {...}) Secrets, as the kubelet
// does; Secrets of other types are ignored. A credential applies to an image whose registry
// host matches its key (globs per dot-separated label, as the kubelet allows) and whose path
// starts with the key's path. Unlike the kubelet, which tries every matching credential in
// turn, only the most specific one is used.
func SecretKeychain(secrets []PullSecret) (authn.Keychain, error) {
	kc := &secretKeychain{creds: map[string]authn.AuthConfig{}}
	sum := sha256.New()
	for _, sec := range secrets {
		auths, err := secretAuths(sec)
		if err != nil {
			return nil, fmt.Errorf("image pull secret %q: %w", sec.Name, err)
		}
		for loc, cfg := range auths {
			key := credentialKey(loc)
			if _, dup := kc.creds[key]; dup || key == "" {
				continue // the first secret listing a registry wins
			}
			kc.creds[key] = decodeAuth(cfg)
			kc.keys = append(kc.keys, key)
			fmt.Fprintf(sum, "%q %q %q %q %q\n", key, cfg.Username, cfg.Password, cfg.IdentityToken, cfg.RegistryToken)
		}
	}
	slices.Sort(kc.keys)
	slices.Reverse(kc.keys) // more specific paths match first, as in the kubelet's keyring
	kc.id = hex.EncodeToString(sum.Sum(nil))
	return kc, nil
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

// Resolve returns the credential of the most specific key matching target (a repository,
// registry/path), or anonymous.
func (kc *secretKeychain) Resolve(target authn.Resource) (authn.Authenticator, error) {
	for _, k := range kc.keys {
		if keyMatches(k, target.String()) {
			return authn.FromConfig(kc.creds[k]), nil
		}
	}
	return authn.Anonymous, nil
}

// keyMatches reports whether the credential key (host[:port][/path], host labels may be
// globs) applies to image (registry/repository).
func keyMatches(key, image string) bool {
	khost, kpath, _ := strings.Cut(key, "/")
	ihost, ipath, _ := strings.Cut(image, "/")
	kname, kport, _ := strings.Cut(khost, ":")
	iname, iport, _ := strings.Cut(ihost, ":")
	if kport != iport {
		return false
	}
	kl, il := strings.Split(kname, "."), strings.Split(iname, ".")
	if len(kl) != len(il) {
		return false
	}
	for i := range kl {
		if ok, _ := filepath.Match(kl[i], il[i]); !ok {
			return false
		}
	}
	return kpath == "" || ipath == kpath || strings.HasPrefix(ipath, kpath+"/")
}
