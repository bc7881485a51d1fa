package rootfs

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sys/unix"
)

// layer returns the directory holding the unpacked layer, unpacking it first if no earlier
// Resolve did. The tar goes into a temporary directory next to the final one, which is renamed
// into place only once complete and synced, so a crash never leaves half a layer. Concurrent
// callers in this process wait on a per-diffID lock; another process racing us loses or wins
// the rename, and either way the directory in place is complete.
func (s *Store) layer(l v1.Layer, b *budget) (string, error) {
	diffID, err := l.DiffID()
	if err != nil {
		return "", fmt.Errorf("diffID: %w", err)
	}
	final := filepath.Join(s.Dir, "layers", diffID.Algorithm, diffID.Hex)
	if isDir(final) {
		b.reportLayer(l, StatusExists)
		return final, nil
	}
	defer s.lock(diffID.String())()
	if isDir(final) {
		b.reportLayer(l, StatusExists)
		return final, nil
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o700); err != nil {
		return "", fmt.Errorf("layer store: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(final), ".tmp-"+diffID.Hex[:12]+"-")
	if err != nil {
		return "", fmt.Errorf("layer temp dir: %w", err)
	}
	if err := placeLayer(tmp, final, withProgress(l, b.reporter()), diffID, b); err != nil {
		_ = os.RemoveAll(tmp) // os.RemoveAll never follows symlinks
		return "", fmt.Errorf("layer %s: %w", diffID, err)
	}
	b.reportLayer(l, StatusComplete)
	return final, nil
}

func placeLayer(tmp, final string, l v1.Layer, diffID v1.Hash, b *budget) error {
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("chmod layer root: %w", err)
	}
	rc, err := l.Uncompressed()
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	defer rc.Close()
	if err := unpackVerified(tmp, rc, diffID, b); err != nil {
		return err
	}
	if err := syncFS(tmp); err != nil {
		return err
	}
	err = os.Rename(tmp, final)
	if err != nil && isDir(final) {
		return os.RemoveAll(tmp) // another process placed the same layer first
	}
	if err != nil {
		return fmt.Errorf("rename into place: %w", err)
	}
	return nil
}

// unpackVerified unpacks the uncompressed layer r into dir and checks that its sha256 is the
// diffID the layer's directory is named after: layer directories are shared between images,
// so a layer lying about its diffID must not poison another image. b (nil: no limits) bounds
// the bytes read and the entries unpacked.
func unpackVerified(dir string, r io.Reader, diffID v1.Hash, b *budget) error {
	if diffID.Algorithm != "sha256" {
		return fmt.Errorf("unsupported diffID algorithm %q", diffID.Algorithm)
	}
	if b != nil {
		r = &limitedReader{r: r, b: b}
	}
	h := sha256.New()
	tee := io.TeeReader(r, h)
	if err := unpackLayerBudget(dir, tee, b); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, tee); err != nil { // the tar's trailing padding
		return fmt.Errorf("read layer: %w", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != diffID.Hex {
		return fmt.Errorf("content digest sha256:%s does not match diffID", got)
	}
	return nil
}

// syncFS flushes the unpacked layer to disk before it is renamed into place.
func syncFS(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync layer: %w", err)
	}
	defer f.Close()
	if err := unix.Syncfs(fd(f)); err != nil {
		return fmt.Errorf("sync layer: %w", err)
	}
	return nil
}

// RemoveTemp removes the temporary directories of unpacks and loads a crashed podd left
// behind: they were never renamed into place, so nothing uses them. Call it only while no
// unpack runs on Dir (podd does at start, holding its root's lock).
func (s *Store) RemoveTemp() error {
	if err := os.RemoveAll(filepath.Join(s.Dir, "tmp")); err != nil {
		return fmt.Errorf("image store: %w", err)
	}
	base := filepath.Join(s.Dir, "layers", "sha256")
	ents, err := os.ReadDir(base)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("layer store: %w", err)
	}
	var errs []error
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			errs = append(errs, os.RemoveAll(filepath.Join(base, e.Name())))
		}
	}
	return errors.Join(errs...)
}
