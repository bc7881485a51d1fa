package rootfs

import (
	"bytes"
	"io/fs"
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

// An archive that lists no image, an image without layers, a tag two images claim or a name
// that is not a registry reference is refused as `podman load` refuses it: an error naming
// the archive's manifest.json or index.json and why, and nothing loaded or left in the store
// (before, most loaded nothing, or some of the images, and said nothing).
func TestLoadRefusesWhatLoadsNothing(t *testing.T) {
	docker := dockerArchive(t, map[string]v1.Image{
		"example.com/a:1": rt.Image(t, pullCfg, false, rt.Layer(t, rt.File("f", "a"))),
		"example.com/b:1": rt.Image(t, pullCfg, false, rt.Layer(t, rt.File("f", "b"))),
	})
	withManifest := func(m string) []byte {
		entries := archiveEntries(t, bytes.NewReader(docker))
		entries["manifest.json"] = []byte(m)
		return writeArchive(t, entries)
	}
	withTags := func(old, new string) []byte {
		entries := archiveEntries(t, bytes.NewReader(docker))
		entries["manifest.json"] = []byte(strings.Replace(string(entries["manifest.json"]), old, new, 1))
		return writeArchive(t, entries)
	}
	noLayers := dockerArchive(t, map[string]v1.Image{"example.com/empty:1": rt.Image(t, pullCfg, false)})
	for name, c := range map[string]struct {
		archive []byte
		want    string
	}{
		"docker []":            {withManifest(`[]`), "load: manifest.json: no images found in archive"},
		"docker null":          {withManifest(`null`), "load: manifest.json: no images found in archive"},
		"docker no layers":     {noLayers, `load: manifest.json: image 1 (config "sha256:`},
		"docker tag twice":     {withTags(`"example.com/b:1"`, `"example.com/a:1"`), `load: manifest.json: images 1 and 2 are both tagged "example.com/a:1"`},
		"docker not a name":    {withTags(`"example.com/b:1"`, `"example.com/b:1","oci:x"`), `load: manifest.json: image 2 (config "sha256:`},
		"oci no manifests":     {ociArchive(t), "load: index.json: no images found in archive"},
		"oci no layers":        {ociArchive(t, rt.Image(t, pullCfg, true)), "load: index.json: image sha256:"},
		"oci second no layers": {ociArchive(t, rt.Image(t, pullCfg, true, rt.Layer(t, rt.File("f", "x"))), rt.Image(t, pullCfg, true)), "has no layers"},
	} {
		t.Run(name, func(t *testing.T) {
			s := &Store{Dir: t.TempDir()}
			infos, err := s.Load(bytes.NewReader(c.archive))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("load: %+v, %v; want an error with %q", infos, err, c.want)
			}
			t.Log(err)
			if list, _ := s.List(); len(list) != 0 {
				t.Errorf("image ls after a refused load: %+v", list)
			}
			filepath.WalkDir(s.Dir, func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					t.Errorf("left in the store: %s", p)
				}
				return nil
			})
		})
	}
}

// dockerArchive is a docker save archive of imgs under their tags.
func dockerArchive(t *testing.T, imgs map[string]v1.Image) []byte {
	t.Helper()
	refs := map[name.Reference]v1.Image{}
	for tag, img := range imgs {
		r, err := name.NewTag(tag)
		if err != nil {
			t.Fatal(err)
		}
		refs[r] = img
	}
	var buf bytes.Buffer
	if err := tarball.MultiRefWrite(refs, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ociArchive is an OCI layout of imgs (each named localhost:5000/x:N), archived as podctl
// sends it.
func ociArchive(t *testing.T, imgs ...v1.Image) []byte {
	t.Helper()
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	for i, img := range imgs {
		ann := map[string]string{refNameAnnotation: "localhost:5000/x:" + string(rune('1'+i))}
		if err := p.AppendImage(img, layout.WithAnnotations(ann)); err != nil {
			t.Fatal(err)
		}
	}
	return tarDir(t, dir).Bytes()
}
