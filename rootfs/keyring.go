package rootfs

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// Credential is one set of registry credentials a pull may try, and where it came from.
type Credential struct {
	authn.AuthConfig
	From string // named in a failed pull's message: `secret "regcred"`, `credential provider "ecr"`
	Pod  bool   // one of the pod's image pull secrets' (not the node's): pullcreds.go
}

// Keyring gives the credentials to try for a repository, in the order to try them, as the
// kubelet's keyrings do. An error (a credential provider that failed) does not stop the pull:
// it is told with the pull's error if no credential works.
type Keyring interface {
	Lookup(ctx context.Context, repo name.Repository) ([]Credential, error)
}

// keyring holds docker config credentials keyed as the kubelet's BasicDockerKeyring keys them
// (host[/path] without scheme and /v1/ or /v2/), several per key in the order added.
type keyring struct {
	keys  []string // reverse-sorted: more specific paths first
	creds map[string][]Credential
}

// NewKeyring is a Keyring of docker config auths (a credential provider's response: keys may
// have globs in the host), each Credential named from.
func NewKeyring(auths map[string]authn.AuthConfig, from string) Keyring {
	kr := &keyring{creds: map[string][]Credential{}}
	for _, loc := range slices.Sorted(maps.Keys(auths)) {
		kr.add(loc, auths[loc], from)
	}
	kr.index()
	return kr
}

func (kr *keyring) add(loc string, cfg authn.AuthConfig, from string) {
	key := credentialKey(loc)
	if key == "" {
		return
	}
	if _, ok := kr.creds[key]; !ok {
		kr.keys = append(kr.keys, key)
	}
	kr.creds[key] = append(kr.creds[key], Credential{AuthConfig: decodeAuth(cfg), From: from})
}

func (kr *keyring) index() {
	slices.Sort(kr.keys)
	slices.Reverse(kr.keys) // quay.io/coreos before quay.io, as in the kubelet's keyring
}

// Lookup returns every credential whose key matches repo (MatchImage), most specific key first.
func (kr *keyring) Lookup(_ context.Context, repo name.Repository) ([]Credential, error) {
	var out []Credential
	for _, k := range kr.keys {
		if MatchImage(k, repo.String()) {
			out = append(out, kr.creds[k]...)
		}
	}
	return out, nil
}

// MatchImage reports whether image (registry[:port]/path) matches glob as the kubelet matches
// credential keys and a credential provider's matchImages (URLsMatchStr): the same number of
// dot-separated host labels, each matching its glob label (filepath.Match: `*.example.com`,
// `app*.k8s.io`), the same port, and glob's path a prefix of image's path (a plain string
// prefix, as in the kubelet).
func MatchImage(glob, image string) bool {
	g, err := url.Parse("https://" + glob)
	if err != nil {
		return false
	}
	t, err := url.Parse("https://" + image)
	if err != nil {
		return false
	}
	gl, gport := hostLabels(g.Host)
	tl, tport := hostLabels(t.Host)
	if gport != tport || len(gl) != len(tl) || !strings.HasPrefix(t.Path, g.Path) {
		return false
	}
	for i := range gl {
		if ok, _ := filepath.Match(gl[i], tl[i]); !ok {
			return false
		}
	}
	return true
}

// CheckMatchImage says why glob cannot match any image: not a URL, or a bad glob.
func CheckMatchImage(glob string) error {
	g, err := url.Parse("https://" + glob)
	if err != nil {
		return err
	}
	if g.Host == "" {
		return fmt.Errorf("no registry host")
	}
	labels, _ := hostLabels(g.Host)
	for _, l := range labels {
		if _, err := filepath.Match(l, ""); err != nil {
			return fmt.Errorf("host label %q: %w", l, err)
		}
	}
	return nil
}

func hostLabels(hostport string) ([]string, string) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = hostport, ""
	}
	return strings.Split(host, "."), port
}

// LazyKeyring is a Keyring made by build when a lookup first needs it (nil: no credentials):
// ResolveFor looks only for an image pulled with a pod's credential, so a pod's Secrets are
// read and parsed only then, not at each apply.
func LazyKeyring(build func() Keyring) Keyring { return &lazyKeyring{build: build} }

type lazyKeyring struct {
	build func() Keyring
	once  sync.Once
	kr    Keyring
}

func (l *lazyKeyring) Lookup(ctx context.Context, repo name.Repository) ([]Credential, error) {
	l.once.Do(func() { l.kr = l.build() })
	if l.kr == nil {
		return nil, nil
	}
	return l.kr.Lookup(ctx, repo)
}
