package rootfs

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	rt "github.com/podd/podd/rootfs/registrytest"
)

// tarDir archives dir as podctl sends it (names relative to dir).
func tarDir(t testing.TB, dir string) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.AddFS(os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf
}

func wantLoaded(t *testing.T, s *Store, ref, file, body string) *Image {
	t.Helper()
	img, err := s.Resolve(ref)
	if err != nil {
		t.Fatalf("resolve %s after load: %v", ref, err)
	}
	wantFile(t, filepath.Join(img.Lowers[0], file), body)
	if img.Ref() != img.ID || !strings.HasPrefix(img.ID, "sha256:") {
		t.Errorf("loaded image names itself %q (ID %q)", img.Ref(), img.ID)
	}
	return img
}

// A docker save archive (written by go-containerregistry's tarball.Write) is loaded under its
// RepoTags, with docker's image ID (the config digest); loading it again unpacks nothing new.
func TestLoadDockerSave(t *testing.T) {
	img := rt.Image(t, pullCfg, false, rt.Layer(t, rt.File("bin/app", "v1")))
	tag, err := name.NewTag("example.com/app:1")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := tarball.Write(tag, img, &buf); err != nil {
		t.Fatal(err)
	}
	s := &Store{Dir: t.TempDir()}
	archive := buf.Bytes()
	infos, err := s.Load(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := img.ConfigName()
	if len(infos) != 1 || infos[0].Ref != "example.com/app:1" || infos[0].ID != cfg.String() {
		t.Fatalf("loaded %+v, want example.com/app:1 with ID %s", infos, cfg)
	}
	got := wantLoaded(t, s, "example.com/app:1", "bin/app", "v1")
	if got.Config.User != "app" || got.Config.WorkingDir != "/srv" {
		t.Errorf("config %+v", got.Config)
	}
	if _, err := s.Load(bytes.NewReader(archive)); err != nil {
		t.Errorf("second load: %v", err)
	}
	if list, _ := s.List(); len(list) != 1 {
		t.Errorf("image ls after two loads: %+v", list)
	}
	if ents, _ := os.ReadDir(filepath.Join(s.Dir, "tmp")); len(ents) != 0 {
		t.Errorf("load left %d temporary entries", len(ents))
	}
}

// An OCI layout directory (sent as a tar, as podctl does) is loaded under the names its
// index.json gives (a multi-platform index as this platform's image); a bare tag names nothing.
func TestLoadOCILayout(t *testing.T) {
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	named := rt.Image(t, pullCfg, true, rt.Layer(t, rt.File("f", "named")))
	bare := rt.Image(t, pullCfg, true, rt.Layer(t, rt.File("f", "bare")))
	for img, ann := range map[v1.Image]map[string]string{
		named: {refNameAnnotation: "localhost:5000/x:2"},
		bare:  {refNameAnnotation: "latest"},
	} {
		if err := p.AppendImage(img, layout.WithAnnotations(ann)); err != nil {
			t.Fatal(err)
		}
	}
	mine := rt.Image(t, pullCfg, true, rt.Layer(t, rt.File("f", "mine")))
	otherArch := rt.WithPlatform(t, rt.Image(t, pullCfg, true, rt.Layer(t, rt.File("f", "other"))), v1.Platform{OS: "linux", Architecture: "s390x"})
	multi := rt.Index(rt.ForPlatform{Platform: v1.Platform{OS: "linux", Architecture: "s390x"}, Image: otherArch},
		rt.ForPlatform{Platform: Platform, Image: mine})
	if err := p.AppendIndex(multi, layout.WithAnnotations(map[string]string{containerdNameAnnotation: "example.com/multi:1",
		refNameAnnotation: "1"})); err != nil {
		t.Fatal(err)
	}
	s := &Store{Dir: t.TempDir()}
	infos, err := s.Load(tarDir(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	wantLoaded(t, s, "example.com/multi:1", "f", "mine")
	if len(infos) != 3 {
		t.Fatalf("loaded %+v", infos)
	}
	img := wantLoaded(t, s, "localhost:5000/x:2", "f", "named")
	if d, _ := named.Digest(); img.ID != d.String() {
		t.Errorf("ID %s, want the manifest digest %s", img.ID, d)
	}
	if list, _ := s.List(); len(list) != 2 {
		t.Errorf("image ls: %+v, want only the named images", list)
	}
}

// Neither format, not a tar, or over the byte limit: a clear error and nothing left behind.
func TestLoadRefused(t *testing.T) {
	var other bytes.Buffer
	tw := tar.NewWriter(&other)
	_ = tw.WriteHeader(&tar.Header{Name: "hello", Size: 0, Typeflag: tar.TypeReg})
	_ = tw.Close()
	for name, c := range map[string]struct {
		r    io.Reader
		lim  Limits
		want string
	}{
		"other":   {&other, Limits{}, "neither an OCI image layout"},
		"not tar": {strings.NewReader(strings.Repeat("x", 2000)), Limits{}, "not a tar archive"},
		"large":   {strings.NewReader(strings.Repeat("x", 2000)), Limits{ImageBytes: 1000}, "--max-image-bytes"},
	} {
		t.Run(name, func(t *testing.T) {
			s := &Store{Dir: t.TempDir(), Limits: c.lim}
			_, err := s.Load(c.r)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("load: %v, want %q", err, c.want)
			}
			if name == "large" && !errors.Is(err, ErrTooLarge) {
				t.Errorf("%v is not ErrTooLarge", err)
			}
			if ents, _ := os.ReadDir(filepath.Join(s.Dir, "tmp")); len(ents) != 0 {
				t.Errorf("load left %d temporary entries", len(ents))
			}
		})
	}
}
