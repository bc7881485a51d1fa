package rootfs

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	rt "github.com/podd/podd/rootfs/registrytest"
)

// archiveEntries reads a tar archive's regular files by name.
func archiveEntries(t testing.TB, r io.Reader) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			data, _ := io.ReadAll(tr)
			out[h.Name] = data
		}
	}
}

// writeArchive writes entries as a tar archive, in name order.
func writeArchive(t testing.TB, entries map[string][]byte) []byte {
	t.Helper()
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(entries[n])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(entries[n])
	}
	tw.Close()
	return buf.Bytes()
}

// loadSeeds are a docker save archive and an OCI layout (as podctl sends it) of one image.
func loadSeeds(f *testing.F) (docker, oci map[string][]byte) {
	img := rt.Image(f, pullCfg, false, rt.Layer(f, rt.File("bin/app", "v1")))
	tag, err := name.NewTag("example.com/app:1")
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := tarball.Write(tag, img, &buf); err != nil {
		f.Fatal(err)
	}
	docker = archiveEntries(f, &buf)
	dir := f.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		f.Fatal(err)
	}
	ociImg := rt.Image(f, pullCfg, true, rt.Layer(f, rt.File("f", "x")))
	if err := p.AppendImage(ociImg, layout.WithAnnotations(map[string]string{refNameAnnotation: "localhost:5000/x:2"})); err != nil {
		f.Fatal(err)
	}
	return docker, archiveEntries(f, tarDir(f, dir))
}

// FuzzLoad: no manifest.json (docker save) or index.json (OCI layout) in an image load archive
// (POST /podd/v1/images/load) makes Load panic or succeed loading nothing, and a failed or
// finished load leaves nothing in the store's tmp. The other entries (config, layers, blobs) are a real image's.
func FuzzLoad(f *testing.F) {
	docker, oci := loadSeeds(f)
	f.Add(false, docker["manifest.json"])
	f.Add(true, oci["index.json"])
	for _, s := range []string{`[{"Config":"../../../etc/passwd","RepoTags":["x:1"],"Layers":["/etc/shadow"]}]`,
		`[{"Config":"manifest.json","RepoTags":["UPPER:x"]},{"Config":"manifest.json"}]`, `[]`, `null`, `[{}]`,
		`{"schemaVersion":2,"manifests":[{"digest":"sha256:00","size":-1}]}`, `{"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:` + string(bytes.Repeat([]byte("0"), 64)) + `"}]}`} {
		f.Add(false, []byte(s))
		f.Add(true, []byte(s))
	}
	f.Fuzz(func(t *testing.T, isOCI bool, meta []byte) {
		entries, metaName := docker, "manifest.json"
		if isOCI {
			entries, metaName = oci, "index.json"
		}
		archive := map[string][]byte{metaName: meta}
		for n, data := range entries {
			if n != metaName {
				archive[n] = data
			}
		}
		s := &Store{Dir: t.TempDir()}
		infos, err := s.Load(bytes.NewReader(writeArchive(t, archive)))
		if err == nil && len(infos) == 0 {
			t.Fatalf("load of %q succeeded and loaded nothing", meta)
		}
		if left, _ := os.ReadDir(filepath.Join(s.Dir, "tmp")); len(left) != 0 {
			t.Fatalf("load of %q left %d entries in tmp", meta, len(left))
		}
	})
}
