package rootfs

import (
	"bytes"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/podd/podd/internal/testutil"
)

// FuzzUnpackLayerLimits unpacks arbitrary bytes as a layer tar under small limits: whatever
// the layer holds (sparse entries, hard links, deep paths, many entries), the files written
// never total more than the layer limit, and the entries made (implicit parent directories
// included) never number more than the file limit.
func FuzzUnpackLayerLimits(f *testing.F) {
	f.Add(makeTar(f, fileE("a", strings.Repeat("x", 5000)), fileE("b", "y")))
	f.Add(makeTar(f, fileE("a", "x"), linkE("h1", "a"), linkE("h2", "a"), dirE("d")))
	f.Add(sparseBomb(f, 1<<30))
	const maxBytes, maxFiles = 64 << 10, 20
	f.Fuzz(func(t *testing.T, layer []byte) {
		testutil.RequireRoot(t)
		dir := t.TempDir()
		_ = unpackLayerBudget(dir, bytes.NewReader(layer), newBudget(Limits{LayerBytes: maxBytes, Files: maxFiles}))
		var size, n int64
		seen := map[uint64]bool{} // a hard link takes no more room
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || p == dir {
				return nil
			}
			n++
			fi, err := d.Info()
			if err != nil {
				return nil
			}
			if st, ok := fi.Sys().(*syscall.Stat_t); ok && fi.Mode().IsRegular() && !seen[st.Ino] {
				seen[st.Ino] = true
				size += fi.Size()
			}
			return nil
		})
		if size > maxBytes || n > maxFiles {
			t.Fatalf("unpacked %d entries of %d bytes, limits %d and %d", n, size, maxFiles, maxBytes)
		}
	})
}
