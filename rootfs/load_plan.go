package rootfs

import (
	"errors"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// loadItem is one image of an archive to load and the names to record it under.
type loadItem struct {
	img   v1.Image
	names []string
	what  string // how the archive names it: "image 2 (config sha256:...)", "image sha256:..."
}

// errNoImages is an archive whose index lists no image: `podman load` says the same.
var errNoImages = errors.New("no images found in archive")

// dockerPlan is every image a docker save archive's manifest.json lists, each checked (its
// names here, its layers by checkPlan) before any is loaded: an archive that lists none, an
// entry without layers, a name that is not a registry reference or that two entries give
// (tarball.Image finds an image by name: the second would load the first) is refused, with
// nothing loaded.
func dockerPlan(opener tarball.Opener, m tarball.Manifest) ([]loadItem, error) {
	if len(m) == 0 {
		return nil, fmt.Errorf("load: manifest.json: %w", errNoImages)
	}
	owner := map[string]int{}
	plan := make([]loadItem, len(m))
	for i, d := range m {
		what := fmt.Sprintf("image %d (config %q)", i+1, d.Config)
		var tag *name.Tag
		for _, rt := range d.RepoTags {
			t, err := name.NewTag(rt)
			if err != nil {
				return nil, fmt.Errorf("load: manifest.json: %s: RepoTags %q: %w", what, rt, err)
			}
			if j, dup := owner[t.Name()]; dup && j != i {
				return nil, fmt.Errorf("load: manifest.json: images %d and %d are both tagged %q", j+1, i+1, rt)
			}
			owner[t.Name()] = i
			if tag == nil {
				tag = &t
			}
		}
		if tag == nil && len(m) > 1 {
			return nil, fmt.Errorf("load: manifest.json: %s has no RepoTags in a multi-image archive", what)
		}
		img, err := tarball.Image(opener, tag)
		if err != nil {
			return nil, fmt.Errorf("load: manifest.json: %s: %w", what, err)
		}
		plan[i] = loadItem{img: img, names: d.RepoTags, what: what}
	}
	return plan, checkPlan(plan, "manifest.json")
}

// layoutPlan is every image an OCI layout's index.json lists (an index as this platform's
// image), each checked before any is loaded; an index that lists none is refused.
func layoutPlan(idx v1.ImageIndex, ds []v1.Descriptor) ([]loadItem, error) {
	if len(ds) == 0 {
		return nil, fmt.Errorf("load: index.json: %w", errNoImages)
	}
	plan := make([]loadItem, len(ds))
	for i, d := range ds {
		what := "image " + d.Digest.String()
		img, err := layoutImage(idx, d)
		if err != nil {
			return nil, fmt.Errorf("load: index.json: %s: %w", what, err)
		}
		plan[i] = loadItem{img: img, names: layoutNames(d.Annotations), what: what}
	}
	return plan, checkPlan(plan, "index.json")
}

// checkPlan refuses an image without layers and a name that is not a registry reference.
func checkPlan(plan []loadItem, index string) error {
	for _, it := range plan {
		layers, err := it.img.Layers()
		if err != nil {
			return fmt.Errorf("load: %s: %s: %w", index, it.what, err)
		}
		if len(layers) == 0 {
			return fmt.Errorf("load: %s: %s has no layers", index, it.what)
		}
		for _, n := range it.names {
			if r, err := ParseRef(n); err != nil || r.Kind != KindRegistry {
				return fmt.Errorf("load: %s: %s: image name %q: not a registry reference", index, it.what, n)
			}
		}
	}
	return nil
}

// importAll imports each image of plan (withManifest: see importImage).
func (s *Store) importAll(plan []loadItem, withManifest bool) ([]ImageInfo, error) {
	var out []ImageInfo
	for _, it := range plan {
		infos, err := s.importImage(it.img, it.names, withManifest)
		if err != nil {
			return nil, err
		}
		out = append(out, infos...)
	}
	return out, nil
}
