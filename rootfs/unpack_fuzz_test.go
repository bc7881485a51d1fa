package rootfs

import (
	"archive/tar"
	"bytes"
	"testing"

	"github.com/podd/podd/internal/testutil"
)

// FuzzUnpackLayer unpacks arbitrary bytes as a layer tar: whatever the layer holds (hostile
// names, symlinks then writes through them, hard links out, device nodes, whiteouts), the
// unpack either fails or succeeds, and never changes anything outside its root.
func FuzzUnpackLayer(f *testing.F) {
	for _, ents := range [][]ent{
		{fileE("a/b", "x"), dirE("d"), whE("d/.wh.gone"), whE("o/.wh..wh..opq")},
		{fileE("../outside/etc/passwd", "pwned")},
		{symE("l", "../outside/etc"), fileE("l/passwd", "pwned")},
		{symE("l", "/"), symE("m", "l/../.."), dirE("m/outside/new"), fileE("m/outside/new/f", "x")},
		{linkE("h", "../outside/etc/passwd")},
		{symE("s", "../outside/etc/passwd"), linkE("h", "s"), modeE(fileE("h", "x"), 0o4777)},
		{{typ: tar.TypeChar, name: "dev/mem", mode: 0o666, devmaj: 1, devmin: 1}, nodeE("fifo", tar.TypeFifo)},
	} {
		f.Add(makeTar(f, ents...))
	}
	f.Fuzz(func(t *testing.T, layer []byte) {
		testutil.RequireRoot(t)
		if declaresMore(layer, 1<<20) {
			return // a sparse entry of terabytes of holes only fills the disk
		}
		sb := newSandbox(t)
		before := sb.snapshot(t)
		_ = unpackBytes(t, sb.root, layer)
		wantSameTree(t, before, sb.snapshot(t))
	})
}

// declaresMore reports whether a tar entry of layer claims more than limit bytes.
func declaresMore(layer []byte, limit int64) bool {
	tr := tar.NewReader(bytes.NewReader(layer))
	for {
		hdr, err := tr.Next()
		if err != nil {
			return false
		}
		if hdr.Size > limit {
			return true
		}
	}
}
