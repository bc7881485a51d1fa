package rootfs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// credentials are what a pull of repo tries, in order, as the kubelet's keyrings give them:
// the pod's image pull secrets (secrets), then the node's: the credential providers
// (s.Providers) and docker's config.json (s.Keychain). The error tells what could not be
// looked up (a credential provider that failed); the credentials found are still tried.
func (s *Store) credentials(ctx context.Context, repo name.Repository, secrets Keyring) ([]Credential, error) {
	var out []Credential
	var errs []error
	for i, kr := range []Keyring{secrets, s.Providers} {
		if kr == nil {
			continue
		}
		creds, err := kr.Lookup(ctx, repo)
		for _, c := range creds {
			c.Pod = i == 0
			out = append(out, c)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	c, err := s.dockerConfig(repo)
	if err != nil {
		errs = append(errs, err)
	} else if c != nil {
		out = append(out, *c)
	}
	return out, joinErrors(errs)
}

// dockerConfig is the credential s.Keychain (docker's config.json and its credential helpers by
// default) has for repo, nil for none.
func (s *Store) dockerConfig(repo name.Repository) (*Credential, error) {
	kc := s.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	a, err := kc.Resolve(repo)
	if err != nil {
		return nil, fmt.Errorf("docker config: %w", err)
	}
	if a == authn.Anonymous {
		return nil, nil
	}
	cfg, err := a.Authorization()
	if err != nil {
		return nil, fmt.Errorf("docker config: %w", err)
	}
	return &Credential{AuthConfig: *cfg, From: "docker config.json"}, nil
}

// credentialsID is a digest of creds: pulls with other credentials do not share a fetch.
func credentialsID(creds []Credential) string {
	sum := sha256.New()
	for _, c := range creds {
		fmt.Fprintf(sum, "%q %q %q %q %q\n", c.Username, c.Password, c.Auth, c.IdentityToken, c.RegistryToken)
	}
	return hex.EncodeToString(sum.Sum(nil))
}

// joinedError is several errors on one line (a container status message), "; " between them.
type joinedError []error

func (e joinedError) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

func (e joinedError) Unwrap() []error { return e }

// joinErrors is nil for none, the error itself for one.
func joinErrors(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return joinedError(errs)
}
