package rootfs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/podd/podd/internal/testutil"
	rt "github.com/podd/podd/rootfs/registrytest"
)

func layerCount(t *testing.T, s *Store) int {
	t.Helper()
	ents, _ := os.ReadDir(filepath.Join(s.Dir, "layers", "sha256"))
	return len(ents)
}

// Removed references' layers go at the next prune, unless another image or a container
// uses them.
func TestListRemovePrune(t *testing.T) {
	testutil.RequireRoot(t)
	reg := rt.Start(t)
	shared := rt.Layer(t, rt.File("shared", "s"))
	a := reg.Push(t, "a:1", rt.Image(t, pullCfg, false, shared, rt.Layer(t, rt.File("a", "a"))))
	b := reg.Push(t, "b:1", rt.Image(t, pullCfg, false, shared, rt.Layer(t, rt.File("b", "b"))))
	s := &Store{Dir: t.TempDir()}
	for _, ref := range []string{a, b} {
		if _, err := s.Pull(context.Background(), ref); err != nil {
			t.Fatal(err)
		}
	}
	infos, err := s.List()
	if err != nil || len(infos) != 2 || infos[0].Ref != a || infos[1].Ref != b {
		t.Fatalf("List = %+v, %v", infos, err)
	}
	nothing := func() []string { return nil }
	if res, err := s.Prune(nothing); err != nil || len(res.Images) != 0 || res.Layers != 0 || res.Blobs != 0 {
		t.Errorf("prune with both referenced: %+v, %v", res, err)
	}
	must(t, s.Remove(a))
	if err := s.Remove(a); !errors.Is(err, ErrNotPresent) {
		t.Errorf("second remove: %v", err)
	}
	if res, err := s.Prune(nothing); err != nil || len(res.Images) != 1 || res.Layers != 1 {
		t.Errorf("prune after removing a: %+v, %v", res, err)
	}
	if layerCount(t, s) != 2 {
		t.Errorf("%d layers left, want b's two", layerCount(t, s))
	}
	img, err := s.Resolve(b)
	if err != nil {
		t.Fatal(err)
	}
	wantFile(t, filepath.Join(img.Lowers[1], "shared"), "s")
	must(t, s.Remove(b))
	if res, _ := s.Prune(func() []string { return img.Lowers[:1] }); res.Layers != 0 || len(res.Images) != 0 {
		t.Errorf("prune removed what a container uses: %+v", res)
	}
	if res, _ := s.Prune(nothing); res.Layers != 2 || len(res.Images) != 1 || layerCount(t, s) != 0 {
		t.Errorf("final prune: %+v, %d layers left", res, layerCount(t, s))
	}
	if _, err := s.Resolve(b); !errors.Is(err, ErrNotPresent) {
		t.Errorf("Resolve after rm and prune: %v", err)
	}
}
