// Package registrytest runs a registry protocol peer on loopback for tests
// (go-containerregistry's pkg/registry in the test process) and builds the images tests push
// to it: layers from tar entries (whiteouts included), multi-platform indexes.
package registrytest

import (
	"archive/tar"
	"bytes"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Registry is a registry served on 127.0.0.1. Wrap, when set, sees every request first: a
// test uses it to count, refuse or corrupt what the registry serves.
type Registry struct {
	Host string // 127.0.0.1:PORT
	srv  *httptest.Server

	mu   sync.Mutex
	wrap func(w http.ResponseWriter, r *http.Request, next http.Handler)
	gets map[string]int // request path -> GET count
	reqs int
	user string // with pass: the basic auth every request must carry
	pass string
}

// Start serves a new empty registry until the test ends.
func Start(t testing.TB) *Registry {
	t.Helper()
	r := &Registry{gets: map[string]int{}}
	h := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	r.srv = httptest.NewServer(r.handler(h))
	t.Cleanup(r.srv.Close)
	r.Host = strings.TrimPrefix(r.srv.URL, "http://")
	return r
}

// Serve serves the same registry on ln too (a listener made in another network namespace)
// until the test ends, and returns its host:port.
func (r *Registry) Serve(t testing.TB, ln net.Listener) string {
	srv := &http.Server{Handler: r.srv.Config.Handler}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

func (r *Registry) handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.reqs++
		if req.Method == http.MethodGet {
			r.gets[req.URL.Path]++
		}
		wrap, user, pass := r.wrap, r.user, r.pass
		r.mu.Unlock()
		if u, p, _ := req.BasicAuth(); user != "" && (u != user || p != pass) {
			w.Header().Set("WWW-Authenticate", `Basic realm="registrytest"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return
		}
		if wrap != nil {
			wrap(w, req, h)
			return
		}
		h.ServeHTTP(w, req)
	})
}

// RequireAuth makes every request need HTTP basic auth with user and pass (Push and PushIndex
// send them).
func (r *Registry) RequireAuth(user, pass string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.user, r.pass = user, pass
}

// Close stops serving (a registry gone away).
func (r *Registry) Close() { r.srv.Close() }

// Wrap sets the request hook (nil: none).
func (r *Registry) Wrap(f func(w http.ResponseWriter, req *http.Request, next http.Handler)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.wrap = f
}

// BlobGets is how many times the blob d was downloaded from repo.
func (r *Registry) BlobGets(repo string, d v1.Hash) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.gets["/v2/"+repo+"/blobs/"+d.String()]
}

// Requests is how many requests the registry had.
func (r *Registry) Requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reqs
}

// Ref is repo:tag (or repo@digest) on this registry.
func (r *Registry) Ref(repoTag string) string { return r.Host + "/" + repoTag }

// Push pushes img as repoTag ("x:1") and returns the full reference.
func (r *Registry) Push(t testing.TB, repoTag string, img v1.Image) string {
	t.Helper()
	ref, err := name.ParseReference(r.Ref(repoTag))
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, r.auth()); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	return ref.String()
}

// auth is the push's credentials: those RequireAuth set, if any.
func (r *Registry) auth() remote.Option {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.user == "" {
		return remote.WithAuth(authn.Anonymous)
	}
	return remote.WithAuth(&authn.Basic{Username: r.user, Password: r.pass})
}

// PushIndex pushes idx as repoTag and returns the full reference.
func (r *Registry) PushIndex(t testing.TB, repoTag string, idx v1.ImageIndex) string {
	t.Helper()
	ref, err := name.ParseReference(r.Ref(repoTag))
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(ref, idx, r.auth()); err != nil {
		t.Fatalf("push index %s: %v", ref, err)
	}
	return ref.String()
}

// Entry is one tar entry of a layer: a regular file (Body) unless Type says otherwise.
type Entry struct {
	Name, Body, Link string
	Type             byte
	Mode             int64
}

// File, Dir, Symlink and Whiteout build entries; Whiteout("a/b") hides a lower a/b and
// Whiteout("d/.wh..opq")-style opaque markers are written with Opaque.
func File(name, body string) Entry {
	return Entry{Name: name, Body: body, Type: tar.TypeReg, Mode: 0o644}
}
func Exec(name, body string) Entry {
	return Entry{Name: name, Body: body, Type: tar.TypeReg, Mode: 0o755}
}
func Dir(name string) Entry { return Entry{Name: name, Type: tar.TypeDir, Mode: 0o755} }
func Symlink(name, target string) Entry {
	return Entry{Name: name, Link: target, Type: tar.TypeSymlink, Mode: 0o777}
}
func Whiteout(p string) Entry {
	dir, base := "", p
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		dir, base = p[:i+1], p[i+1:]
	}
	return File(dir+".wh."+base, "")
}
func Opaque(dir string) Entry { return File(strings.TrimSuffix(dir, "/")+"/.wh..wh..opq", "") }

// Layer is a gzip layer (Docker media type unless oci) holding the entries.
func Layer(t testing.TB, ents ...Entry) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Unix(1_700_000_000, 0)
	for _, e := range ents {
		hdr := &tar.Header{Name: e.Name, Typeflag: e.Type, Mode: e.Mode, Linkname: e.Link,
			Size: int64(len(e.Body)), ModTime: mtime, Format: tar.FormatPAX}
		if e.Type != tar.TypeReg {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, e.Body); err != nil && hdr.Size > 0 {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Image is an image of the layers (bottom-most first) with cfg, in Docker media types, or
// OCI ones when oci.
func Image(t testing.TB, cfg v1.Config, oci bool, layers ...v1.Layer) v1.Image {
	t.Helper()
	base := empty.Image
	if oci {
		base = mutate.MediaType(base, types.OCIManifestSchema1)
		base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	}
	var adds []mutate.Addendum
	for _, l := range layers {
		mt := types.DockerLayer
		if oci {
			mt = types.OCILayer
		}
		adds = append(adds, mutate.Addendum{Layer: l, MediaType: mt})
	}
	img, err := mutate.Append(base, adds...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Config = cfg
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	return img
}

// WithPlatform sets the image config's platform.
func WithPlatform(t testing.TB, img v1.Image, p v1.Platform) v1.Image {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	out, err := mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// ForPlatform is one image of an index.
type ForPlatform struct {
	Platform v1.Platform
	Image    v1.Image
}

// Index is an OCI index of the images, each described with its platform.
func Index(imgs ...ForPlatform) v1.ImageIndex {
	var adds []mutate.IndexAddendum
	for _, fp := range imgs {
		p := fp.Platform
		adds = append(adds, mutate.IndexAddendum{Add: fp.Image, Descriptor: v1.Descriptor{Platform: &p}})
	}
	return mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...)
}
