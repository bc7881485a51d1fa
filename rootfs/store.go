// Package rootfs resolves container images to overlayfs lower directories (the image store),
// mounts the container root filesystem and pivots into it.
package rootfs

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/podd/podd/internal/atomicfile"
	"golang.org/x/sync/singleflight"
)

// Config is the part of an image's configuration a container start needs.
type Config struct {
	Entrypoint []string `json:"entrypoint,omitempty"`
	Cmd        []string `json:"cmd,omitempty"`
	Env        []string `json:"env,omitempty"`
	WorkingDir string   `json:"workingDir,omitempty"`
	User       string   `json:"user,omitempty"`
}

// Image is a resolved image, ready to mount.
type Image struct {
	Lowers []string `json:"lowers"` // read-only dirs, top-most layer first (overlayfs lowerdir order)
	Config Config   `json:"config"`
	ID     string   `json:"id"` // the directory path, or the image manifest digest
	// RepoDigest is repository@digest of what a registry reference named when it was pulled
	// (the index's digest for a multi-platform image), as the CRI reports it; "" otherwise.
	RepoDigest string `json:"repoDigest,omitempty"`
}

// Ref is how the status names the image (imageID): its repository digest when pulled from a
// registry, else ID.
func (img *Image) Ref() string {
	if img.RepoDigest != "" {
		return img.RepoDigest
	}
	return img.ID
}

// Store resolves and pulls images and keeps them under Dir (<root>/images):
// Dir/layers/sha256/<diffid-hex>/ holds one unpacked layer; Dir/images/<manifest-digest>.json
// caches a resolved Image; Dir/blobs/sha256/<hex> holds pulled manifests, indexes and configs
// (content-addressed); Dir/refs/<sha256 of reference>.json records what a registry reference
// was last pulled as. A Store is safe for concurrent use and must not be copied.
type Store struct {
	Dir string
	// Insecure lists registries (host[:port]) pulled from over plain HTTP; loopback ones
	// always may be.
	Insecure []string
	// Keychain gives the node's registry credentials after Providers'; nil:
	// authn.DefaultKeychain (docker's config.json).
	Keychain authn.Keychain
	// Providers gives the node's credentials from credential provider plugins (kubelet's
	// --image-credential-provider-config), tried after a pod's pull secrets; nil: none.
	Providers Keyring
	// Warn is told what a pull that succeeded could not look up (a credential provider that
	// failed: the kubelet logs it); nil: nobody.
	Warn func(error)
	// Transport carries registry requests; nil: remote.DefaultTransport.
	Transport http.RoundTripper
	// Limits bound what one image may download and unpack (zero fields: the defaults).
	Limits Limits
	// Verify is the policy ResolveFor applies ("": NeverVerifyPreloadedImages), and
	// VerifyAllowlist the repositories of NeverVerifyAllowlistedImages (CheckVerifyPolicy).
	Verify          VerifyPolicy
	VerifyAllowlist []string

	pulls    singleflight.Group // reference -> pull in progress
	progress progressHubs       // pull in progress -> who wants its progress
	gc       sync.RWMutex       // held shared by unpacks, exclusively by Prune
	recorded sync.Mutex         // held by a pull from reading a reference's record to saving it
	mu       sync.Mutex
	images   map[string]*Image      // manifest digest -> resolved image
	refs     map[string]refRecord   // registry reference -> what it was pulled as
	locks    map[string]*sync.Mutex // diffID -> unpack lock
}

// Resolve returns the image ref names (see ParseRef) from this machine: a directory, an OCI
// layout (its layers unpacked once), or a registry image pulled before (ErrNotPresent if not).
// Later calls for the same manifest are answered from memory or from Dir/images.
// The returned Image is the caller's to modify.
func (s *Store) Resolve(ref string) (*Image, error) {
	r, err := ParseRef(ref)
	if err != nil {
		return nil, err
	}
	switch r.Kind {
	case KindDir:
		return resolveDir(r.Path)
	case KindRegistry:
		return s.resolveRegistry(r)
	}
	img, err := s.resolveOCI(r)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", r, err)
	}
	return img.clone(), nil
}

func resolveDir(dir string) (*Image, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("image directory: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("image %s: not a directory", dir)
	}
	return &Image{Lowers: []string{dir}, ID: dir}, nil
}

func (img *Image) clone() *Image {
	c := *img
	c.Lowers = slices.Clone(img.Lowers)
	c.Config.Entrypoint = slices.Clone(img.Config.Entrypoint)
	c.Config.Cmd = slices.Clone(img.Config.Cmd)
	c.Config.Env = slices.Clone(img.Config.Env)
	return &c
}

func (s *Store) cached(digest string) *Image {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.images[digest]
}

func (s *Store) remember(img *Image) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.images == nil {
		s.images = map[string]*Image{}
	}
	s.images[img.ID] = img
}

// lock takes the per-key mutex (one per diffID) and returns its unlock.
func (s *Store) lock(key string) func() {
	s.mu.Lock()
	if s.locks == nil {
		s.locks = map[string]*sync.Mutex{}
	}
	l := s.locks[key]
	if l == nil {
		l = &sync.Mutex{}
		s.locks[key] = l
	}
	s.mu.Unlock()
	l.Lock()
	return l.Unlock
}

func (s *Store) imageFile(digest string) string {
	return filepath.Join(s.Dir, "images", digest+".json")
}

// loadImage reads the on-disk cache entry of digest; nil if absent, unreadable or if one of
// its layers has gone.
func (s *Store) loadImage(digest string) *Image {
	b, err := os.ReadFile(s.imageFile(digest))
	if err != nil {
		return nil
	}
	var img Image
	if json.Unmarshal(b, &img) != nil || img.ID != digest || len(img.Lowers) == 0 {
		return nil
	}
	for _, l := range img.Lowers {
		if fi, err := os.Stat(l); err != nil || !fi.IsDir() {
			return nil
		}
	}
	return &img
}

// saveImage writes the on-disk cache entry atomically (temp file + rename).
func (s *Store) saveImage(img *Image) error {
	b, err := json.Marshal(img)
	if err != nil {
		return fmt.Errorf("encode image cache: %w", err)
	}
	dir := filepath.Dir(s.imageFile(img.ID))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("image cache dir: %w", err)
	}
	if err := atomicfile.Write(s.imageFile(img.ID), b, false); err != nil {
		return fmt.Errorf("image cache: %w", err)
	}
	return nil
}

// refNameAnnotation names an image in an OCI layout's index.json.
const refNameAnnotation = "org.opencontainers.image.ref.name"

func (s *Store) resolveOCI(r Ref) (*Image, error) {
	idx, desc, err := findManifest(r)
	if err != nil {
		return nil, err
	}
	digest := desc.Digest.String()
	if img := s.cached(digest); img != nil {
		return img, nil
	}
	s.gc.RLock()
	defer s.gc.RUnlock()
	img := s.loadImage(digest)
	if img == nil {
		oi, err := idx.Image(desc.Digest)
		if err != nil {
			return nil, fmt.Errorf("open image %s: %w", desc.Digest, err)
		}
		if img, err = s.unpackImage(oi, digest, nil); err != nil {
			return nil, err
		}
	}
	s.remember(img)
	return img, nil
}

// findManifest finds the manifest tagged r.Tag in the layout's index.json; a tagged image
// index resolves to its linux/GOARCH manifest.
func findManifest(r Ref) (v1.ImageIndex, v1.Descriptor, error) {
	idx, err := layout.Path(r.Path).ImageIndex() // reads index.json; no separate stat
	if err != nil {
		return nil, v1.Descriptor{}, fmt.Errorf("open OCI layout: %w", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, v1.Descriptor{}, fmt.Errorf("read index.json: %w", err)
	}
	var tags []string
	for _, d := range im.Manifests {
		name := d.Annotations[refNameAnnotation]
		if name != r.Tag {
			tags = append(tags, name)
			continue
		}
		if d.MediaType.IsIndex() {
			return platformManifest(idx, d)
		}
		return idx, d, nil
	}
	return nil, v1.Descriptor{}, fmt.Errorf("no image tagged %q in index.json (tags: %q)", r.Tag, tags)
}

func platformManifest(parent v1.ImageIndex, d v1.Descriptor) (v1.ImageIndex, v1.Descriptor, error) {
	idx, err := parent.ImageIndex(d.Digest)
	if err != nil {
		return nil, v1.Descriptor{}, fmt.Errorf("open nested index %s: %w", d.Digest, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, v1.Descriptor{}, fmt.Errorf("read nested index %s: %w", d.Digest, err)
	}
	want := v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
	for _, m := range im.Manifests {
		if m.Platform != nil && m.Platform.OS == want.OS &&
			m.Platform.Architecture == want.Architecture && m.MediaType.IsImage() {
			return idx, m, nil
		}
	}
	return nil, v1.Descriptor{}, fmt.Errorf("index %s has no %s image", d.Digest, want)
}

// unpackImage unpacks every layer of the image (each at most once per store) and records the
// result on disk under digest, the image manifest's.
func (s *Store) unpackImage(img v1.Image, digest string, report func(Progress)) (*Image, error) {
	b := newBudget(s.Limits)
	b.report = report
	if err := b.checkDeclared(img); err != nil {
		return nil, err
	}
	return s.unpackImageNoCheck(img, digest, b)
}

// unpackImageNoCheck is unpackImage for a caller that checked the declared sizes, or has
// none to check (a docker save archive: no manifest).
func (s *Store) unpackImageNoCheck(img v1.Image, digest string, b *budget) (*Image, error) {
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("read image config: %w", err)
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("read image layers: %w", err)
	}
	lowers, err := s.unpackLayers(layers, b)
	if err != nil {
		return nil, err
	}
	res := &Image{Lowers: lowers, Config: configOf(cfg), ID: digest}
	if err := s.saveImage(res); err != nil {
		return nil, err
	}
	return res, nil
}

// unpackParallel is how many layers of one image are fetched and unpacked at once.
const unpackParallel = 4

// unpackLayers returns the layer directories top-most first. A diffID that occurs more than
// once is kept only at its top-most position: overlayfs refuses a repeated lowerdir, and the
// upper copy hides everything the lower one would show. Layers are unpacked side by side.
func (s *Store) unpackLayers(layers []v1.Layer, b *budget) ([]string, error) {
	if len(layers) == 0 {
		return nil, errors.New("image has no layers")
	}
	if b.report != nil {
		for _, l := range layers {
			b.report(Progress{Layer: layerDigest(l), Status: StatusWaiting})
		}
	}
	dirs := make([]string, len(layers))
	errs := make([]error, len(layers))
	sem := make(chan struct{}, unpackParallel)
	var wg sync.WaitGroup
	for i, l := range layers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if dirs[i], errs[i] = s.layer(l, b); errs[i] != nil {
				errs[i] = fmt.Errorf("layer %d: %w", i, errs[i])
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var lowers []string
	for i := len(dirs) - 1; i >= 0; i-- {
		if !slices.Contains(lowers, dirs[i]) {
			lowers = append(lowers, dirs[i])
		}
	}
	return lowers, nil
}

func configOf(cf *v1.ConfigFile) Config {
	c := cf.Config
	return Config{Entrypoint: c.Entrypoint, Cmd: c.Cmd, Env: c.Env, WorkingDir: c.WorkingDir,
		User: c.User}
}
