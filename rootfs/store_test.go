package rootfs

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/podd/podd/internal/testutil"
)

func testLayer(t testing.TB, ents ...ent) v1.Layer {
	t.Helper()
	b := makeTar(t, ents...)
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// writeLayout writes an OCI layout at dir holding one image, tagged tag, made of layers
// (bottom-most first).
func writeLayout(t testing.TB, dir, tag string, cfg v1.Config, layers ...v1.Layer) v1.Hash {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	if img, err = mutate.Config(img, cfg); err != nil {
		t.Fatal(err)
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{refNameAnnotation: tag})); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var testCfg = v1.Config{Entrypoint: []string{"/bin/app"}, Cmd: []string{"serve"},
	Env: []string{"PATH=/bin", "A=b"}, WorkingDir: "/srv", User: "65534:65534"}

func TestResolveDir(t *testing.T) {
	dir := t.TempDir()
	var s Store
	img, err := s.Resolve(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(img.Lowers, []string{dir}) || img.ID != dir {
		t.Errorf("Resolve(%s) = %+v", dir, img)
	}
	f := filepath.Join(dir, "file")
	must(t, os.WriteFile(f, nil, 0o644))
	for _, bad := range []string{f, filepath.Join(dir, "missing"), "busybox:latest"} {
		if _, err := s.Resolve(bad); err == nil {
			t.Errorf("Resolve(%q) succeeded, want an error", bad)
		}
	}
}

func TestResolveOCI(t *testing.T) {
	testutil.RequireRoot(t)
	lay := filepath.Join(t.TempDir(), "layout")
	base := testLayer(t, dirE("bin"), fileE("bin/app", "v1"), fileE("etc/gone", "x"))
	top := testLayer(t, fileE("bin/app", "v2"), whE("etc/.wh.gone"))
	digest := writeLayout(t, lay, "v1", testCfg, base, top, base)
	s := &Store{Dir: t.TempDir()}
	img, err := s.Resolve("oci:" + lay + ":v1")
	if err != nil {
		t.Fatal(err)
	}
	if img.ID != digest.String() {
		t.Errorf("ID = %s, want manifest digest %s", img.ID, digest)
	}
	want := Config{Entrypoint: testCfg.Entrypoint, Cmd: testCfg.Cmd, Env: testCfg.Env,
		WorkingDir: testCfg.WorkingDir, User: testCfg.User}
	if !equalConfig(img.Config, want) {
		t.Errorf("Config = %+v, want %+v", img.Config, want)
	}
	// base appears twice: only its top-most position is kept, so the stack is base, top.
	if len(img.Lowers) != 2 {
		t.Fatalf("Lowers = %q, want 2 (duplicate layer folded)", img.Lowers)
	}
	wantFile(t, filepath.Join(img.Lowers[0], "bin/app"), "v1")
	wantFile(t, filepath.Join(img.Lowers[1], "bin/app"), "v2")
	wantWhiteout(t, filepath.Join(img.Lowers[1], "etc/gone"))
	for _, l := range img.Lowers {
		if !strings.HasPrefix(l, filepath.Join(s.Dir, "layers", "sha256")+"/") {
			t.Errorf("lower %s not under the store", l)
		}
	}
	testCachedResolve(t, s, lay, img)
}

// testCachedResolve checks that later Resolves read neither layers nor config: once the
// layout's blobs are gone, the memory cache and then the disk cache (new Store) still answer.
func testCachedResolve(t *testing.T, s *Store, lay string, first *Image) {
	t.Helper()
	must(t, os.RemoveAll(filepath.Join(lay, "blobs")))
	again, err := s.Resolve("oci:" + lay + ":v1")
	if err != nil {
		t.Fatalf("cached Resolve: %v", err)
	}
	if !equalImage(again, first) {
		t.Errorf("cached Resolve = %+v, want %+v", again, first)
	}
	again.Lowers[0] = "mutated"
	fresh := &Store{Dir: s.Dir}
	fromDisk, err := fresh.Resolve("oci:" + lay + ":v1")
	if err != nil {
		t.Fatalf("Resolve from disk cache: %v", err)
	}
	if !equalImage(fromDisk, first) {
		t.Errorf("disk-cached Resolve = %+v, want %+v", fromDisk, first)
	}
	if _, err := s.Resolve("oci:" + lay + ":nope"); err == nil || !strings.Contains(err.Error(), "v1") {
		t.Errorf("unknown tag: err = %v, want one listing the tags", err)
	}
}

func equalConfig(a, b Config) bool {
	return slices.Equal(a.Entrypoint, b.Entrypoint) && slices.Equal(a.Cmd, b.Cmd) &&
		slices.Equal(a.Env, b.Env) && a.WorkingDir == b.WorkingDir && a.User == b.User
}

func equalImage(a, b *Image) bool {
	return a.ID == b.ID && slices.Equal(a.Lowers, b.Lowers) && equalConfig(a.Config, b.Config)
}

func TestResolveConcurrent(t *testing.T) {
	testutil.RequireRoot(t)
	lay := filepath.Join(t.TempDir(), "layout")
	var ents []ent
	for i := range 200 {
		ents = append(ents, fileE("f/"+strings.Repeat("x", i%50)+string(rune('a'+i%26)), "data"))
	}
	writeLayout(t, lay, "latest", testCfg, testLayer(t, ents...), testLayer(t, fileE("top", "t")))
	s := &Store{Dir: t.TempDir()}
	var wg sync.WaitGroup
	imgs := make([]*Image, 8)
	errs := make([]error, 8)
	for i := range imgs {
		wg.Go(func() { imgs[i], errs[i] = s.Resolve("oci:" + lay) })
	}
	wg.Wait()
	for i := range imgs {
		if errs[i] != nil || !equalImage(imgs[i], imgs[0]) {
			t.Errorf("Resolve #%d = %+v, %v", i, imgs[i], errs[i])
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(s.Dir, "layers", "sha256", ".tmp-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary layer dirs left: %q", leftovers)
	}
}

func TestUnpackVerifiedMismatch(t *testing.T) {
	testutil.RequireRoot(t)
	l := testLayer(t, fileE("a", "b"))
	other, err := testLayer(t, fileE("c", "d")).DiffID()
	must(t, err)
	rc, err := l.Uncompressed()
	must(t, err)
	defer rc.Close()
	if err := unpackVerified(t.TempDir(), rc, other, nil); err == nil ||
		!strings.Contains(err.Error(), "does not match diffID") {
		t.Errorf("unpack under a foreign diffID: err = %v", err)
	}
}

func BenchmarkResolveCached(b *testing.B) {
	testutil.RequireRoot(b)
	lay := filepath.Join(b.TempDir(), "layout")
	writeLayout(b, lay, "latest", testCfg, testLayer(b, fileE("a", "b")), testLayer(b, fileE("c", "d")))
	s := &Store{Dir: b.TempDir()}
	ref := "oci:" + lay + ":latest"
	if _, err := s.Resolve(ref); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Resolve(ref); err != nil {
			b.Fatal(err)
		}
	}
}

// TestResolveTestImage resolves the podd-test image tests/images/build.sh writes.
func TestResolveTestImage(t *testing.T) {
	testutil.RequireRoot(t)
	lay := "/var/lib/podd/images/podd-test"
	if _, err := os.Stat(filepath.Join(lay, "index.json")); err != nil {
		testutil.Unavailable(t, "no test image; run tests/images/build.sh")
	}
	s := &Store{Dir: t.TempDir()}
	img, err := s.Resolve("oci:" + lay + ":latest")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(img.Config.Cmd, []string{"/bin/sh"}) || len(img.Lowers) != 1 {
		t.Errorf("podd-test = %+v, want Cmd [/bin/sh] and one layer", img)
	}
	wantMode(t, filepath.Join(img.Lowers[0], "bin/testapp"), 0o755)
	if l, err := os.Readlink(filepath.Join(img.Lowers[0], "bin/sh")); err != nil || l != "busybox" {
		t.Errorf("bin/sh -> %q (%v), want busybox", l, err)
	}
	dir, err := s.Resolve(lay + ".rootfs")
	if err != nil {
		t.Fatal(err)
	}
	wantMode(t, filepath.Join(dir.Lowers[0], "bin/testapp"), 0o755)
}
