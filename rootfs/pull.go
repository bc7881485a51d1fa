package rootfs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/podd/podd/internal/atomicfile"
)

// ErrNotPresent is the error of Resolve for a registry image that was never pulled.
var ErrNotPresent = errors.New("image not present on this machine")

// Platform is the platform a pull resolves an image index to: this machine's.
var Platform = v1.Platform{OS: "linux", Architecture: runtime.GOARCH}

// refRecord says which image a registry reference was last pulled as:
// Dir/refs/<sha256 of Name>.json.
type refRecord struct {
	Name       string    `json:"name"`       // the full reference as ParseRef names it
	Manifest   string    `json:"manifest"`   // digest of the platform's image manifest (Image.ID)
	RepoDigest string    `json:"repoDigest"` // repository@digest of what the reference pointed at
	Pulled     time.Time `json:"pulled"`
	// NeedsSecret: the image was pulled with a pod's credential, one of Secrets (their
	// credentialIDs): another pod must have one of them to use it (pullcreds.go).
	NeedsSecret bool     `json:"needsSecret,omitempty"`
	Secrets     []string `json:"secrets,omitempty"`
}

// Pull fetches a registry image (always asking the registry what the reference names now),
// unpacks the layers this store does not hold yet and records the reference; a directory or
// oci: reference is only resolved. Concurrent pulls of one reference share one fetch, and
// concurrent pulls of images sharing a layer unpack it once. A caller giving up (ctx) leaves
// the shared pull running for the others.
func (s *Store) Pull(ctx context.Context, ref string) (*Image, error) {
	return s.PullWith(ctx, ref, PullOptions{})
}

// PullOptions are a pull's credentials and progress report.
type PullOptions struct {
	// Secrets gives the credentials tried first (a pod's image pull secrets, SecretKeyring),
	// before the node's: the store's Providers, then its Keychain. Pulls share a fetch only
	// when they have the same credentials.
	Secrets Keyring
	// Progress, when set, is called with each layer's progress, including that of a pull this
	// one joined; layers unpack side by side, so calls come from several goroutines at once.
	Progress func(Progress)
}

// PullWith is Pull with opts. The pull tries each credential the keyrings give in turn until
// one succeeds, as the kubelet does (anonymously when there is none); its error names what
// each try and each failed credential provider said.
func (s *Store) PullWith(ctx context.Context, ref string, opts PullOptions) (*Image, error) {
	r, err := ParseRef(ref)
	if err != nil {
		return nil, err
	}
	if r.Kind != KindRegistry {
		return s.Resolve(ref)
	}
	nref, err := s.parseRemote(r.Name)
	if err != nil {
		return nil, err
	}
	creds, lookupErr := s.credentials(ctx, nref.Context(), opts.Secrets)
	key := r.Name
	if len(creds) > 0 {
		key += " " + credentialsID(creds)
	}
	defer s.progress.add(key, opts.Progress)()
	report := s.progress.reporter(key)
	ch := s.pulls.DoChan(key, func() (any, error) { return s.pullTrying(r, nref, creds, report) })
	select {
	case res := <-ch:
		if res.Err != nil {
			if lookupErr != nil {
				return nil, fmt.Errorf("%w; %w", res.Err, lookupErr)
			}
			return nil, res.Err
		}
		if lookupErr != nil && s.Warn != nil {
			s.Warn(fmt.Errorf("pull %s: %w", r.Name, lookupErr))
		}
		return res.Val.(*Image).clone(), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("pull %s: %w", r.Name, ctx.Err())
	}
}

// pullTimeout bounds one pull that every waiter gave up on.
const pullTimeout = 30 * time.Minute

// pullTrying pulls with each credential in turn until one succeeds (anonymously when there
// is none), as the kubelet does.
func (s *Store) pullTrying(r Ref, nref name.Reference, creds []Credential, report func(Progress)) (*Image, error) {
	if len(creds) == 0 {
		return s.pull(r, nref, nil, report)
	}
	var errs []error
	for _, c := range creds {
		img, err := s.pull(r, nref, &c, report)
		if err == nil {
			return img, nil
		}
		if len(creds) > 1 {
			err = fmt.Errorf("with the credentials of %s: %w", c.From, err)
		}
		errs = append(errs, err)
	}
	return nil, joinErrors(errs)
}

// pull pulls with cred (nil: anonymously) and records what it pulled and with what.
func (s *Store) pull(r Ref, nref name.Reference, cred *Credential, report func(Progress)) (*Image, error) {
	s.gc.RLock()
	defer s.gc.RUnlock()
	ctx, cancel := context.WithTimeout(context.Background(), pullTimeout)
	defer cancel()
	auth := authn.Anonymous
	if cred != nil {
		auth = authn.FromConfig(cred.AuthConfig)
	}
	desc, err := remote.Get(nref, s.remoteOptions(ctx, auth)...)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", r.Name, err)
	}
	img, err := s.fetchImage(desc, report)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", r.Name, err)
	}
	img.RepoDigest = RepoName(nref.Context()) + "@" + desc.Digest.String()
	rec := refRecord{Name: r.Name, Manifest: img.ID, RepoDigest: img.RepoDigest, Pulled: time.Now().UTC()}
	if err := s.recordPull(rec, cred); err != nil {
		return nil, err
	}
	return img, nil
}

// RepoName is the repository as containerd names it in a repo digest and the kubelet in a
// credential provider's request: docker.io/library/x rather than go-containerregistry's
// index.docker.io/library/x.
func RepoName(r name.Repository) string {
	if r.RegistryStr() == name.DefaultRegistry {
		return "docker.io/" + r.RepositoryStr()
	}
	return r.Name()
}

// fetchImage resolves desc to this platform's image and makes it local: the manifests and the
// config as content-addressed blobs, the layers unpacked (each once).
func (s *Store) fetchImage(desc *remote.Descriptor, report func(Progress)) (*Image, error) {
	if err := s.saveBlob(desc.Digest, desc.Manifest); err != nil {
		return nil, err
	}
	ri, err := desc.Image() // an index resolves to Platform's image; its digest is verified
	if err != nil {
		return nil, err
	}
	digest, err := ri.Digest()
	if err != nil {
		return nil, err
	}
	if img := s.cached(digest.String()); img != nil {
		return img.clone(), nil
	}
	if img := s.loadImage(digest.String()); img != nil {
		s.remember(img)
		return img.clone(), nil
	}
	if err := newBudget(s.Limits).checkDeclared(ri); err != nil {
		return nil, err
	}
	if err := s.saveRaw(digest, ri.RawManifest); err != nil {
		return nil, err
	}
	cfgName, err := ri.ConfigName()
	if err != nil {
		return nil, fmt.Errorf("image config: %w", err)
	}
	if err := s.saveRaw(cfgName, ri.RawConfigFile); err != nil { // fetched and verified by digest
		return nil, err
	}
	img, err := s.unpackImage(ri, digest.String(), report)
	if err != nil {
		return nil, err
	}
	s.remember(img)
	return img.clone(), nil
}

// parseRemote parses a reference for go-containerregistry, marking the registries of
// Insecure as reachable over plain HTTP.
func (s *Store) parseRemote(ref string) (name.Reference, error) {
	nref, err := name.ParseReference(ref)
	if err != nil {
		return nil, err
	}
	if s.insecure(nref.Context().RegistryStr()) {
		return name.ParseReference(ref, name.Insecure)
	}
	return nref, nil
}

func (s *Store) remoteOptions(ctx context.Context, auth authn.Authenticator) []remote.Option {
	return []remote.Option{remote.WithContext(ctx), remote.WithAuth(auth),
		remote.WithPlatform(Platform), remote.WithTransport(s.transport())}
}

// saveRaw stores a blob read by get under its digest.
func (s *Store) saveRaw(h v1.Hash, get func() ([]byte, error)) error {
	b, err := get()
	if err != nil {
		return fmt.Errorf("blob %s: %w", h, err)
	}
	return s.saveBlob(h, b)
}

// saveBlob stores b as Dir/blobs/<alg>/<hex> after checking it is what h names.
func (s *Store) saveBlob(h v1.Hash, b []byte) error {
	if h.Algorithm != "sha256" {
		return fmt.Errorf("blob %s: unsupported digest algorithm", h)
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != h.Hex {
		return fmt.Errorf("blob %s: content digest does not match", h)
	}
	p := filepath.Join(s.Dir, "blobs", h.Algorithm, h.Hex)
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("blob store: %w", err)
	}
	if err := atomicfile.Write(p, b, false); err != nil {
		return fmt.Errorf("blob %s: %w", h, err)
	}
	return nil
}

func (s *Store) refFile(ref string) string {
	sum := sha256.Sum256([]byte(ref))
	return filepath.Join(s.Dir, "refs", hex.EncodeToString(sum[:])+".json")
}

func (s *Store) saveRef(rec refRecord) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode reference: %w", err)
	}
	p := s.refFile(rec.Name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("reference store: %w", err)
	}
	if err := atomicfile.Write(p, b, false); err != nil {
		return fmt.Errorf("reference %s: %w", rec.Name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs == nil {
		s.refs = map[string]refRecord{}
	}
	s.refs[rec.Name] = rec
	return nil
}

// loadRef returns what ref was last pulled as, from memory or Dir/refs.
func (s *Store) loadRef(ref string) (refRecord, bool) {
	s.mu.Lock()
	rec, ok := s.refs[ref]
	s.mu.Unlock()
	if ok {
		return rec, true
	}
	b, err := os.ReadFile(s.refFile(ref))
	if err != nil || json.Unmarshal(b, &rec) != nil || rec.Name != ref {
		return refRecord{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs == nil {
		s.refs = map[string]refRecord{}
	}
	s.refs[ref] = rec
	return rec, true
}

// resolveRegistry answers a registry reference from what was pulled, without the network.
func (s *Store) resolveRegistry(r Ref) (*Image, error) {
	rec, ok := s.loadRef(r.Name)
	if !ok {
		return nil, fmt.Errorf("image %s: %w", r.Name, ErrNotPresent)
	}
	return s.resolveRecord(r, rec)
}

// resolveRecord is the image rec says r was pulled (or loaded) as.
func (s *Store) resolveRecord(r Ref, rec refRecord) (*Image, error) {
	img := s.cached(rec.Manifest)
	if img == nil {
		if img = s.loadImage(rec.Manifest); img == nil {
			return nil, fmt.Errorf("image %s (%s): %w", r.Name, rec.Manifest, ErrNotPresent)
		}
		s.remember(img)
	}
	c := img.clone()
	c.RepoDigest = rec.RepoDigest
	return c, nil
}
