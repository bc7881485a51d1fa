package rootfs

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/podd/podd/internal/testutil"
	rt "github.com/podd/podd/rootfs/registrytest"
)

var pullCfg = v1.Config{Entrypoint: []string{"/bin/app"}, Cmd: []string{"serve"}, Env: []string{"A=b"},
	WorkingDir: "/srv", User: "app"}

// whiteoutImage is two layers: the upper one removes a/x and makes d opaque.
func whiteoutImage(t testing.TB, oci bool) v1.Image {
	base := rt.Layer(t, rt.Dir("a"), rt.File("a/x", "x"), rt.File("a/y", "y"), rt.Dir("d"), rt.File("d/old", "o"))
	top := rt.Layer(t, rt.Whiteout("a/x"), rt.Opaque("d"), rt.File("d/new", "n"))
	return rt.Image(t, pullCfg, oci, base, top)
}

func TestPullWhiteoutsBothMediaTypes(t *testing.T) {
	testutil.RequireRoot(t)
	reg := rt.Start(t)
	for _, oci := range []bool{false, true} {
		t.Run(fmt.Sprintf("oci=%v", oci), func(t *testing.T) {
			ref := reg.Push(t, fmt.Sprintf("x:%v", oci), whiteoutImage(t, oci))
			s := &Store{Dir: t.TempDir()}
			if _, err := s.Resolve(ref); !errors.Is(err, ErrNotPresent) {
				t.Fatalf("Resolve before the pull: %v, want ErrNotPresent", err)
			}
			img, err := s.Pull(context.Background(), ref)
			if err != nil {
				t.Fatal(err)
			}
			if len(img.Lowers) != 2 || !slices.Equal(img.Config.Entrypoint, pullCfg.Entrypoint) ||
				img.Config.User != "app" || img.Config.WorkingDir != "/srv" {
				t.Fatalf("pulled %+v", img)
			}
			wantWhiteout(t, filepath.Join(img.Lowers[0], "a/x"))
			wantOpaque(t, filepath.Join(img.Lowers[0], "d"), true)
			wantFile(t, filepath.Join(img.Lowers[1], "a/y"), "y")
			if !strings.HasPrefix(img.RepoDigest, reg.Host+"/x@sha256:") || img.Ref() != img.RepoDigest {
				t.Errorf("RepoDigest %q", img.RepoDigest)
			}
			for _, d := range []string{img.ID, strings.SplitN(img.RepoDigest, "@", 2)[1]} {
				if _, err := os.Stat(filepath.Join(s.Dir, "blobs", "sha256", strings.TrimPrefix(d, "sha256:"))); err != nil {
					t.Errorf("blob %s not stored: %v", d, err)
				}
			}
			// From cache: no registry needed, a new Store (a restarted podd) too.
			again, err := (&Store{Dir: s.Dir}).Resolve(ref)
			if err != nil || !slices.Equal(again.Lowers, img.Lowers) || again.RepoDigest != img.RepoDigest {
				t.Errorf("Resolve after the pull: %+v, %v", again, err)
			}
		})
	}
}

func TestPullIndexPicksThisPlatform(t *testing.T) {
	testutil.RequireRoot(t)
	reg := rt.Start(t)
	other := "s390x"
	if runtime.GOARCH == other {
		other = "amd64"
	}
	mine := rt.WithPlatform(t, rt.Image(t, pullCfg, true, rt.Layer(t, rt.File("arch", runtime.GOARCH))),
		v1.Platform{OS: "linux", Architecture: runtime.GOARCH})
	theirs := rt.WithPlatform(t, rt.Image(t, pullCfg, true, rt.Layer(t, rt.File("arch", other))),
		v1.Platform{OS: "linux", Architecture: other})
	idx := rt.Index(rt.ForPlatform{Platform: v1.Platform{OS: "linux", Architecture: other}, Image: theirs},
		rt.ForPlatform{Platform: v1.Platform{OS: "linux", Architecture: runtime.GOARCH}, Image: mine})
	ref := reg.PushIndex(t, "multi:1", idx)
	s := &Store{Dir: t.TempDir()}
	img, err := s.Pull(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	wantFile(t, filepath.Join(img.Lowers[0], "arch"), runtime.GOARCH)
	idxDigest, _ := idx.Digest()
	mineDigest, _ := mine.Digest()
	if img.RepoDigest != reg.Host+"/multi@"+idxDigest.String() || img.ID != mineDigest.String() {
		t.Errorf("ID %s RepoDigest %s; want the manifest %s and the index %s", img.ID, img.RepoDigest, mineDigest, idxDigest)
	}
	// By digest too, the index's.
	byDigest := reg.Host + "/multi@" + idxDigest.String()
	if img, err := s.Pull(context.Background(), byDigest); err != nil || img.ID != mineDigest.String() {
		t.Errorf("pull by digest: %+v, %v", img, err)
	}
	onlyOther := reg.PushIndex(t, "multi:other", rt.Index(rt.ForPlatform{Platform: v1.Platform{OS: "linux", Architecture: other}, Image: theirs}))
	if _, err := s.Pull(context.Background(), onlyOther); err == nil {
		t.Error("an index without this platform pulled")
	}
}

// A registry serving other bytes than the digest names is refused, and leaves no layer.
func TestPullDigestMismatchRefused(t *testing.T) {
	testutil.RequireRoot(t)
	reg := rt.Start(t)
	img := whiteoutImage(t, false)
	ref := reg.Push(t, "bad:1", img)
	layers, _ := img.Layers()
	ld, _ := layers[1].Digest()
	other := rt.Image(t, pullCfg, false, rt.Layer(t, rt.File("other", "o")))
	otherRaw, _ := other.RawManifest()
	md, _ := img.Digest()
	rc, _ := rt.Layer(t, rt.Whiteout("a/x"), rt.Opaque("d"), rt.File("d/new", "m")).Compressed()
	evil, _ := io.ReadAll(rc)
	for name, corrupt := range map[string]func(path string) []byte{
		"layer": func(path string) []byte {
			if !strings.HasSuffix(path, "/blobs/"+ld.String()) {
				return nil
			}
			return evil // a valid layer, other than the digest names
		},
		"manifest by digest": func(path string) []byte {
			if strings.HasSuffix(path, "/manifests/"+md.String()) {
				return otherRaw
			}
			return nil
		},
	} {
		t.Run(name, func(t *testing.T) {
			reg.Wrap(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
				if b := corrupt(r.URL.Path); b != nil && r.Method == http.MethodGet {
					w.Header().Set("Content-Type", "application/vnd.docker.distribution.manifest.v2+json")
					_, _ = w.Write(b)
					return
				}
				next.ServeHTTP(w, r)
			})
			defer reg.Wrap(nil)
			s := &Store{Dir: t.TempDir()}
			target := ref
			if name == "manifest by digest" {
				target = reg.Host + "/bad@" + md.String()
			}
			if _, err := s.Pull(context.Background(), target); err == nil || !strings.Contains(err.Error(), "digest") && !strings.Contains(err.Error(), "checksum") {
				t.Fatalf("pull: %v, want a digest mismatch", err)
			} else {
				t.Logf("refused: %v", err)
			}
			if ents, _ := os.ReadDir(filepath.Join(s.Dir, "layers", "sha256")); len(ents) > 1 {
				t.Errorf("layers left: %v", ents) // the base layer may be complete; never the bad one
			}
			if _, err := s.Resolve(target); !errors.Is(err, ErrNotPresent) {
				t.Errorf("Resolve after a refused pull: %v", err)
			}
		})
	}
}

// Concurrent pulls of one image, and of two images sharing a layer, download each blob once.
func TestPullConcurrentOnce(t *testing.T) {
	testutil.RequireRoot(t)
	reg := rt.Start(t)
	shared := rt.Layer(t, rt.File("shared", "s"))
	a := reg.Push(t, "a:1", rt.Image(t, pullCfg, false, shared, rt.Layer(t, rt.File("a", "a"))))
	b := reg.Push(t, "b:1", rt.Image(t, pullCfg, false, shared, rt.Layer(t, rt.File("b", "b"))))
	s := &Store{Dir: t.TempDir()}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Pull(context.Background(), []string{a, b}[i%2])
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	sd, _ := shared.Digest()
	if n := reg.BlobGets("a", sd) + reg.BlobGets("b", sd); n != 1 {
		t.Errorf("shared layer downloaded %d times, want 1", n)
	}
}

// An unpack a crash interrupted (a temporary directory never renamed) is not used, and
// RemoveTemp clears it.
func TestPullAfterInterruptedUnpack(t *testing.T) {
	testutil.RequireRoot(t)
	reg := rt.Start(t)
	l := rt.Layer(t, rt.File("whole", "w"), rt.File("second", "s"))
	ref := reg.Push(t, "crash:1", rt.Image(t, pullCfg, false, l))
	s := &Store{Dir: t.TempDir()}
	diffID, _ := l.DiffID()
	half := filepath.Join(s.Dir, "layers", "sha256", ".tmp-"+diffID.Hex[:12]+"-123")
	must(t, os.MkdirAll(half, 0o755))
	must(t, os.WriteFile(filepath.Join(half, "whole"), []byte("w"), 0o644))
	img, err := s.Pull(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	wantFile(t, filepath.Join(img.Lowers[0], "second"), "s")
	must(t, s.RemoveTemp())
	if _, err := os.Stat(half); err == nil {
		t.Error("RemoveTemp left the half layer")
	}
	wantFile(t, filepath.Join(img.Lowers[0], "whole"), "w")
}

// Credentials come from docker's config.json (DOCKER_CONFIG).
func TestPullAuthFromDockerConfig(t *testing.T) {
	testutil.RequireRoot(t)
	reg := rt.Start(t)
	ref := reg.Push(t, "private:1", rt.Image(t, pullCfg, false, rt.Layer(t, rt.File("p", "p"))))
	reg.Wrap(func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if u, p, ok := r.BasicAuth(); !ok || u != "alice" || p != "s3cret" {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
	cfgDir := t.TempDir()
	t.Setenv("DOCKER_CONFIG", cfgDir)
	s := &Store{Dir: t.TempDir()}
	if _, err := s.Pull(context.Background(), ref); err == nil || !strings.Contains(err.Error(), "401") &&
		!strings.Contains(strings.ToLower(err.Error()), "unauthorized") {
		t.Fatalf("pull without credentials: %v, want unauthorized", err)
	}
	auth := base64.StdEncoding.EncodeToString([]byte("alice:s3cret"))
	must(t, os.WriteFile(filepath.Join(cfgDir, "config.json"),
		[]byte(`{"auths":{"`+reg.Host+`":{"auth":"`+auth+`"}}}`), 0o600))
	if _, err := s.Pull(context.Background(), ref); err != nil {
		t.Fatalf("pull with credentials: %v", err)
	}
}

func TestPlainHTTPOnlyLoopbackOrInsecure(t *testing.T) {
	var reached []string
	next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		reached = append(reached, r.URL.String())
		return &http.Response{StatusCode: 200, Body: io.NopCloser(bytes.NewReader(nil)), Request: r}, nil
	})
	s := &Store{Insecure: []string{"10.1.2.3:5000"}, Transport: next}
	tr := s.transport()
	for url, ok := range map[string]bool{
		"http://127.0.0.1:5000/v2/": true, "http://[::1]:5000/v2/": true, "http://localhost:5000/v2/": true,
		"http://10.1.2.3:5000/v2/": true, "http://10.1.2.3:5001/v2/": false, "http://192.168.1.1/v2/": false,
		"http://registry.localhost:5000/v2/": false, "http://example.com/v2/": false, "https://example.com/v2/": true,
	} {
		req := httptest.NewRequest(http.MethodGet, url, nil)
		_, err := tr.RoundTrip(req)
		if (err == nil) != ok {
			t.Errorf("%s: err %v, want allowed=%v", url, err, ok)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// BenchmarkPullUnpack3Layers pulls a 3-layer image (about 1 MiB per layer) from a loopback
// registry into an empty store and unpacks it.
func BenchmarkPullUnpack3Layers(b *testing.B) {
	testutil.RequireRoot(b)
	reg := rt.Start(b)
	var layers []v1.Layer
	for i := range 3 {
		var ents []rt.Entry
		for j := range 64 {
			ents = append(ents, rt.File(fmt.Sprintf("l%d/f%d", i, j), strings.Repeat(fmt.Sprint(i, j), 5000)))
		}
		layers = append(layers, rt.Layer(b, ents...))
	}
	ref := reg.Push(b, "bench:1", rt.Image(b, pullCfg, false, layers...))
	base := b.TempDir()
	n := 0
	for b.Loop() {
		n++
		s := &Store{Dir: filepath.Join(base, fmt.Sprint(n))}
		if _, err := s.Pull(context.Background(), ref); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolveRegistryCached resolves a pulled image again (a container start from cache).
func BenchmarkResolveRegistryCached(b *testing.B) {
	testutil.RequireRoot(b)
	reg := rt.Start(b)
	ref := reg.Push(b, "cached:1", whiteoutImage(b, false))
	s := &Store{Dir: b.TempDir()}
	if _, err := s.Pull(context.Background(), ref); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Resolve(ref); err != nil {
			b.Fatal(err)
		}
	}
}
