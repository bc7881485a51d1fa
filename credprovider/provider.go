package credprovider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/podd/podd/internal/reaper"
	"github.com/podd/podd/rootfs"
	"golang.org/x/sync/singleflight"
	kubeletconfigv1 "k8s.io/kubelet/config/v1"
	credentialproviderv1 "k8s.io/kubelet/pkg/apis/credentialprovider/v1"
)

// Providers are the configured credential providers, in the config's order; a
// rootfs.Keyring. Safe for concurrent use.
type Providers struct {
	// Reaper starts the plugins when set (podd's one wait loop: nothing else may wait);
	// nil: os/exec waits for them.
	Reaper *reaper.Reaper
	// Timeout bounds one run of a plugin (Load: DefaultTimeout).
	Timeout time.Duration
	list    []*provider
}

type provider struct {
	cfg        kubeletconfigv1.CredentialProvider
	bin        string
	defaultTTL time.Duration
	runs       singleflight.Group // image -> the plugin's run for it
	mu         sync.Mutex
	cache      map[string]cacheEntry // image, registry or globalKey -> credentials
}

type cacheEntry struct {
	auths   map[string]authn.AuthConfig
	expires time.Time
}

// globalKey is the cache key of a response whose cacheKeyType is Global.
const globalKey = ""

func newProvider(c kubeletconfigv1.CredentialProvider, bin string) *provider {
	return &provider{cfg: c, bin: bin, defaultTTL: c.DefaultCacheDuration.Duration, cache: map[string]cacheEntry{}}
}

// Lookup asks every provider whose matchImages match the image (as the kubelet names it:
// docker.io/library/x) for credentials, from its cache or by running its plugin, and returns
// those whose auth key matches repo, provider by provider. A plugin that fails or times out
// is in the error, naming it; the other providers' credentials are still returned.
func (ps *Providers) Lookup(_ context.Context, repo name.Repository) ([]rootfs.Credential, error) {
	image := rootfs.RepoName(repo)
	var out []rootfs.Credential
	var errs []string
	for _, p := range ps.list {
		if !p.matches(image) {
			continue
		}
		from := fmt.Sprintf("credential provider %q", p.cfg.Name)
		auths, err := ps.provide(p, image)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", from, err))
			continue
		}
		creds, _ := rootfs.NewKeyring(auths, from).Lookup(context.Background(), repo)
		out = append(out, creds...)
	}
	if len(errs) > 0 {
		return out, errors.New(strings.Join(errs, "; "))
	}
	return out, nil
}

func (p *provider) matches(image string) bool {
	for _, m := range p.cfg.MatchImages {
		if rootfs.MatchImage(m, image) {
			return true
		}
	}
	return false
}

// provide returns the plugin's credentials for image: cached ones (by image, then registry,
// then global, as the kubelet looks), or a run's, shared by concurrent lookups of the image.
func (ps *Providers) provide(p *provider, image string) (map[string]authn.AuthConfig, error) {
	if auths, ok := p.cached(image, time.Now()); ok {
		return auths, nil
	}
	v, err, _ := p.runs.Do(image, func() (any, error) { return ps.exec(p, image) })
	if err != nil {
		return nil, err
	}
	resp := v.(*credentialproviderv1.CredentialProviderResponse)
	auths := make(map[string]authn.AuthConfig, len(resp.Auth))
	for k, a := range resp.Auth {
		auths[k] = authn.AuthConfig{Username: a.Username, Password: a.Password}
	}
	p.store(image, resp, auths, time.Now())
	return auths, nil
}

func (p *provider) cached(image string, now time.Time) (map[string]authn.AuthConfig, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, k := range []string{image, registryOf(image), globalKey} {
		e, ok := p.cache[k]
		if ok && now.After(e.expires) {
			delete(p.cache, k)
			continue
		}
		if ok {
			return e.auths, true
		}
	}
	return nil, false
}

// store caches a response as the kubelet does: under the image, its registry or globalKey by
// its cacheKeyType, for its cacheDuration (0: not cached), or the provider's
// defaultCacheDuration when it has none.
func (p *provider) store(image string, resp *credentialproviderv1.CredentialProviderResponse, auths map[string]authn.AuthConfig, now time.Time) {
	ttl := p.defaultTTL
	if resp.CacheDuration != nil {
		ttl = resp.CacheDuration.Duration
	}
	if ttl <= 0 {
		return
	}
	key := globalKey
	switch resp.CacheKeyType {
	case credentialproviderv1.ImagePluginCacheKeyType:
		key = image
	case credentialproviderv1.RegistryPluginCacheKeyType:
		key = registryOf(image)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, e := range p.cache { // drop the expired ones, as the kubelet's periodic purge does
		if now.After(e.expires) {
			delete(p.cache, k)
		}
	}
	p.cache[key] = cacheEntry{auths: auths, expires: now.Add(ttl)}
}

// registryOf is the registry part of an image (host[:port]), the kubelet's parseRegistry.
func registryOf(image string) string {
	reg, _, _ := strings.Cut(image, "/")
	return reg
}
