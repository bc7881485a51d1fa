package rootfs

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	rt "github.com/podd/podd/rootfs/registrytest"
)

// wantNoLayers checks a failed pull left no layer, whole or half, and no image record.
func wantNoLayers(t *testing.T, s *Store) {
	t.Helper()
	for _, sub := range []string{"layers/sha256", "images"} {
		ents, _ := os.ReadDir(filepath.Join(s.Dir, sub))
		for _, e := range ents {
			t.Errorf("left %s/%s", sub, e.Name())
		}
	}
}

// A gzip bomb (a 64 MiB file of zeros, 64 KiB compressed) is stopped at the layer limit: the
// pull fails naming the limit, having unpacked no more than the limit, and leaves nothing.
func TestPullGzipBombStopped(t *testing.T) {
	reg := rt.Start(t)
	bomb := rt.Layer(t, rt.File("zeros", strings.Repeat("\x00", 64<<20)))
	if n, _ := bomb.Size(); n > 1<<20 {
		t.Fatalf("the bomb is %d bytes compressed", n)
	}
	ref := reg.Push(t, "bomb:1", rt.Image(t, v1.Config{}, true, bomb))
	for name, lim := range map[string]Limits{
		"layer": {LayerBytes: 1 << 20},
		"image": {ImageBytes: 1 << 20},
	} {
		t.Run(name, func(t *testing.T) {
			s := &Store{Dir: t.TempDir(), Limits: lim}
			_, err := s.Pull(context.Background(), ref)
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "--max-"+name+"-bytes") {
				t.Fatalf("pull: %v, want ErrTooLarge naming --max-%s-bytes", err, name)
			}
			wantNoLayers(t, s)
			if _, err := s.Resolve(ref); !errors.Is(err, ErrNotPresent) {
				t.Errorf("resolve after the failed pull: %v", err)
			}
		})
	}
}

// Too many entries, layers declared larger than the limit (refused before any blob is
// downloaded), and layers each under the layer limit but over the image's together.
func TestPullLimits(t *testing.T) {
	reg := rt.Start(t)
	var many []rt.Entry
	for i := range 100 {
		many = append(many, rt.File(fmt.Sprintf("f%d", i), ""))
	}
	big := strings.Repeat("x", 600<<10)
	two := rt.Image(t, v1.Config{}, false, rt.Layer(t, rt.File("a", big)), rt.Layer(t, rt.File("b", big)))
	random := rt.Layer(t, rt.File("r", randomString(t, 300<<10)))
	cases := []struct {
		name string
		img  v1.Image
		lim  Limits
		want string
	}{
		{"files", rt.Image(t, v1.Config{}, false, rt.Layer(t, many...)), Limits{Files: 50}, "more than 50 files"},
		{"declared", rt.Image(t, v1.Config{}, false, random), Limits{LayerBytes: 100 << 10}, "compressed (podd --max-layer-bytes=102400)"},
		{"two", two, Limits{LayerBytes: 1 << 20, ImageBytes: 1 << 20}, "--max-image-bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ref := reg.Push(t, c.name+":1", c.img)
			s := &Store{Dir: t.TempDir(), Limits: c.lim}
			before := reg.Requests()
			_, err := s.Pull(context.Background(), ref)
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("pull: %v, want ErrTooLarge with %q", err, c.want)
			}
			if c.name == "declared" {
				d, _ := random.Digest()
				if n := reg.BlobGets(c.name, d); n != 0 || reg.Requests()-before > 4 {
					t.Errorf("the refused layer was downloaded %d times", n)
				}
				wantNoLayers(t, s)
			}
			if c.name == "files" {
				wantNoLayers(t, s)
			}
			if _, err := (&Store{Dir: s.Dir}).Pull(context.Background(), ref); err != nil {
				t.Errorf("with the default limits: %v", err)
			}
		})
	}
}

func randomString(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return string(b)
}
