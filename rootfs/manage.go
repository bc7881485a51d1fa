package rootfs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// ImageInfo is a pulled registry reference, as `podctl image ls` shows it.
type ImageInfo struct {
	Ref        string `json:"ref"`
	ID         string `json:"id"` // the image manifest's digest
	RepoDigest string `json:"repoDigest"`
	Pulled     string `json:"pulled"` // RFC 3339
}

// PruneResult is what Prune removed.
type PruneResult struct {
	Images []string `json:"images"` // manifest digests
	Layers int      `json:"layers"`
	Blobs  int      `json:"blobs"`
}

// List returns the pulled references, sorted.
func (s *Store) List() ([]ImageInfo, error) {
	ents, err := os.ReadDir(filepath.Join(s.Dir, "refs"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("image references: %w", err)
	}
	var out []ImageInfo
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(s.Dir, "refs", e.Name()))
		var rec refRecord
		if err != nil || json.Unmarshal(b, &rec) != nil || rec.Name == "" {
			continue // a temporary file, or damage: not a reference
		}
		out = append(out, ImageInfo{Ref: rec.Name, ID: rec.Manifest, RepoDigest: rec.RepoDigest,
			Pulled: rec.Pulled.Format("2006-01-02T15:04:05Z07:00")})
	}
	slices.SortFunc(out, func(a, b ImageInfo) int { return strings.Compare(a.Ref, b.Ref) })
	return out, nil
}

// Remove forgets a pulled reference (its layers go at the next Prune, if nothing else uses
// them); ErrNotPresent if it was not pulled.
func (s *Store) Remove(ref string) error {
	r, err := ParseRef(ref)
	if err != nil {
		return err
	}
	if r.Kind != KindRegistry {
		return fmt.Errorf("image %q: only registry images are kept by the store", ref)
	}
	s.mu.Lock()
	delete(s.refs, r.Name)
	s.mu.Unlock()
	err = os.Remove(s.refFile(r.Name))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("image %s: %w", r.Name, ErrNotPresent)
	}
	return err
}

// Prune removes every image no reference names and whose layers inUse (called with the
// store locked: no pull or unpack runs meanwhile) does not list, then the layers and blobs
// no kept image needs.
func (s *Store) Prune(inUse func() []string) (PruneResult, error) {
	s.gc.Lock()
	defer s.gc.Unlock()
	used := inUse()
	keepImages, err := s.referencedImages()
	if err != nil {
		return PruneResult{}, err
	}
	var res PruneResult
	keepLayers := map[string]bool{}
	for _, l := range used {
		keepLayers[l] = true
	}
	ents, _ := os.ReadDir(filepath.Join(s.Dir, "images"))
	for _, e := range ents {
		digest, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		img := s.loadImage(digest)
		if img != nil && (keepImages[digest] || slices.ContainsFunc(img.Lowers, func(l string) bool { return keepLayers[l] })) {
			keepImages[digest] = true
			for _, l := range img.Lowers {
				keepLayers[l] = true
			}
			continue
		}
		if err := os.Remove(s.imageFile(digest)); err == nil {
			res.Images = append(res.Images, digest)
		}
		s.mu.Lock()
		delete(s.images, digest)
		s.mu.Unlock()
	}
	res.Layers = s.pruneLayers(keepLayers)
	res.Blobs = s.pruneBlobs(keepImages)
	return res, nil
}

// referencedImages is the set of manifest digests (and repo digests' digests) references name.
func (s *Store) referencedImages() (map[string]bool, error) {
	infos, err := s.List()
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	for _, in := range infos {
		keep[in.ID] = true
		if _, d, ok := strings.Cut(in.RepoDigest, "@"); ok {
			keep[d] = true
		}
	}
	return keep, nil
}

func (s *Store) pruneLayers(keep map[string]bool) int {
	base := filepath.Join(s.Dir, "layers", "sha256")
	ents, _ := os.ReadDir(base)
	n := 0
	for _, e := range ents {
		p := filepath.Join(base, e.Name())
		if keep[p] || strings.HasPrefix(e.Name(), ".tmp-") {
			continue
		}
		if os.RemoveAll(p) == nil { // never follows symlinks
			n++
		}
	}
	return n
}

// pruneBlobs keeps the blobs of kept manifests (and their configs) and indexes.
func (s *Store) pruneBlobs(keepImages map[string]bool) int {
	base := filepath.Join(s.Dir, "blobs", "sha256")
	keep := map[string]bool{}
	for d := range keepImages {
		keep[d] = true
		if b, err := os.ReadFile(filepath.Join(base, strings.TrimPrefix(d, "sha256:"))); err == nil {
			if m, err := v1.ParseManifest(strings.NewReader(string(b))); err == nil {
				keep[m.Config.Digest.String()] = true
			}
		}
	}
	ents, _ := os.ReadDir(base)
	n := 0
	for _, e := range ents {
		if keep["sha256:"+e.Name()] {
			continue
		}
		if os.Remove(filepath.Join(base, e.Name())) == nil {
			n++
		}
	}
	return n
}
