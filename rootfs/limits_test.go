package rootfs

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
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

// paxRecord is one PAX extended header record ("LEN key=value\n", LEN counting itself).
func paxRecord(k, v string) string {
	r := fmt.Sprintf(" %s=%s\n", k, v)
	n := len(r) + 1
	for len(strconv.Itoa(n))+len(r) != n {
		n++
	}
	return strconv.Itoa(n) + r
}

// sparseBomb is a layer tar of 3 KiB holding one GNU sparse (PAX 1.0) file of size bytes, all
// holes: archive/tar reads it as size zeros. Go's tar.Writer writes no sparse files, so the
// PAX header is a regular entry whose type byte is patched to 'x'.
func sparseBomb(t testing.TB, size int64) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	recs := paxRecord("GNU.sparse.major", "1") + paxRecord("GNU.sparse.minor", "0") +
		paxRecord("GNU.sparse.name", "holes") + paxRecord("GNU.sparse.realsize", strconv.FormatInt(size, 10))
	sparseMap := make([]byte, 512)
	copy(sparseMap, "1\n0\n0\n") // one entry: no data at offset 0
	for _, e := range []struct {
		name string
		body []byte
	}{{"PaxHeaders/holes", []byte(recs)}, {"holes", sparseMap}} {
		hdr := &tar.Header{Name: e.name, Typeflag: tar.TypeReg, Size: int64(len(e.body)), Mode: 0o644, Format: tar.FormatUSTAR}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	b[156] = tar.TypeXHeader
	copy(b[148:156], "        ")
	sum := 0
	for _, c := range b[:512] {
		sum += int(c)
	}
	copy(b[148:156], fmt.Sprintf("%06o\x00 ", sum))
	return b
}

// A sparse file of holes reads as a few KiB of tar but writes its whole size: the files'
// sizes count against the limits too.
func TestUnpackSparseBombStopped(t *testing.T) {
	layer := sparseBomb(t, 64<<20)
	if hdr, err := tar.NewReader(bytes.NewReader(layer)).Next(); err != nil || hdr.Size != 64<<20 {
		t.Fatalf("the crafted sparse entry reads as %+v, %v", hdr, err)
	}
	dir := t.TempDir()
	err := unpackLayerBudget(dir, bytes.NewReader(layer), newBudget(Limits{LayerBytes: 1 << 20}))
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "files total more than 1048576 bytes") {
		t.Fatalf("unpack: %v, want ErrTooLarge for the files' sizes", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "holes")); err == nil {
		t.Error("the sparse file was written")
	}
}
