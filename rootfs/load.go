package rootfs

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// containerdNameAnnotation is the full image name containerd and docker save write in an OCI
// layout's index.json (org.opencontainers.image.ref.name then holds only the tag).
const containerdNameAnnotation = "io.containerd.image.name"

// Load imports the images of a tar archive (podctl image load): an OCI image layout (its
// index.json, oci-layout and blobs) or a `docker save` archive (manifest.json). Each image is
// unpacked as a pulled one is and recorded under its names (RepoTags; the layout's
// io.containerd.image.name, or a ref.name that is a whole reference such as app:1), so that a
// pod runs it by name with imagePullPolicy Never or IfNotPresent. An image without a name is
// unpacked but no reference keeps it from prune. The archive may hold at most the limits'
// ImageBytes; its images are bounded as pulled ones are.
func (s *Store) Load(r io.Reader) ([]ImageInfo, error) {
	if err := os.MkdirAll(filepath.Join(s.Dir, "tmp"), 0o700); err != nil {
		return nil, fmt.Errorf("image store: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Join(s.Dir, "tmp"), "load-")
	if err != nil {
		return nil, fmt.Errorf("image store: %w", err)
	}
	defer os.RemoveAll(tmp)
	archive := filepath.Join(tmp, "archive.tar")
	if err := s.receive(archive, r); err != nil {
		return nil, err
	}
	names, err := tarNames(archive)
	if err != nil {
		return nil, err
	}
	s.gc.RLock()
	defer s.gc.RUnlock()
	switch {
	case names["index.json"] && names["oci-layout"]:
		return s.loadLayoutArchive(archive, filepath.Join(tmp, "layout"))
	case names["manifest.json"]:
		return s.loadDocker(archive)
	}
	return nil, errors.New("load: neither an OCI image layout (index.json, oci-layout) nor a docker save archive (manifest.json)")
}

// receive writes the archive r to path, refusing one over the image byte limit.
func (s *Store) receive(path string, r io.Reader) error {
	max := s.Limits.withDefaults().ImageBytes
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	defer f.Close()
	n, err := io.Copy(f, io.LimitReader(r, max+1))
	if err != nil {
		return fmt.Errorf("load: receive archive: %w", err)
	}
	if n > max {
		return fmt.Errorf("load: %w: the archive is over %d bytes (podd --max-image-bytes)", ErrTooLarge, max)
	}
	return nil
}

// tarNames lists the archive's entries, cleaned as the unpacker cleans them.
func tarNames(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	defer f.Close()
	names := map[string]bool{}
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return names, nil
		}
		if err != nil {
			return nil, fmt.Errorf("load: not a tar archive: %w", err)
		}
		names[cleanName(hdr.Name)] = true
	}
}

// loadLayoutArchive extracts the OCI layout (with the hostile-safe unpacker, its entries
// counted against the file limit) and loads every image its index.json lists.
func (s *Store) loadLayoutArchive(archive, dir string) ([]ImageInfo, error) {
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	f, err := os.Open(archive)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	err = unpackLayerBudget(dir, f, newBudget(s.Limits))
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("load: extract OCI layout: %w", err)
	}
	idx, err := layout.Path(dir).ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("load: open OCI layout: %w", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("load: read index.json: %w", err)
	}
	plan, err := layoutPlan(idx, im.Manifests)
	if err != nil {
		return nil, err
	}
	return s.importAll(plan, true)
}

// layoutImage is the image index.json's entry d names: an index resolves to this platform's.
func layoutImage(idx v1.ImageIndex, d v1.Descriptor) (v1.Image, error) {
	if !d.MediaType.IsIndex() {
		return idx.Image(d.Digest)
	}
	sub, pd, err := platformManifest(idx, d)
	if err != nil {
		return nil, err
	}
	return sub.Image(pd.Digest)
}

// layoutNames is the name an index.json entry gives its image: containerd's full name, or a
// ref.name that is a whole reference ("app:1", "host:5000/x"); a bare tag names nothing.
func layoutNames(ann map[string]string) []string {
	if n := ann[containerdNameAnnotation]; n != "" {
		return []string{n}
	}
	if n := ann[refNameAnnotation]; strings.ContainsAny(n, ":/") {
		return []string{n}
	}
	return nil
}

// loadDocker loads every image of a docker save archive under its RepoTags. The image's ID is
// its config digest (docker's image ID): a docker save archive holds no manifest.
func (s *Store) loadDocker(archive string) ([]ImageInfo, error) {
	opener := func() (io.ReadCloser, error) { return os.Open(archive) }
	m, err := tarball.LoadManifest(opener)
	if err != nil {
		return nil, fmt.Errorf("load: manifest.json: %w", err)
	}
	plan, err := dockerPlan(opener, m)
	if err != nil {
		return nil, err
	}
	return s.importAll(plan, false)
}

// importImage unpacks img (unless this store holds it already) and records it under names.
// withManifest: img has a real manifest, whose digest is the ID and whose declared sizes are
// checked; otherwise (docker save) the config digest is the ID.
func (s *Store) importImage(img v1.Image, names []string, withManifest bool) ([]ImageInfo, error) {
	idOf := img.ConfigName
	if withManifest {
		idOf = img.Digest
	}
	h, err := idOf()
	if err != nil {
		return nil, fmt.Errorf("load: image digest: %w", err)
	}
	id := h.String()
	if s.cached(id) == nil && s.loadImage(id) == nil {
		if err := s.importBlobs(img, withManifest); err != nil {
			return nil, err
		}
		res, err := s.unpackImageNoCheck(img, id, newBudget(s.Limits))
		if err != nil {
			return nil, fmt.Errorf("load: %w", err)
		}
		s.remember(res)
	}
	now := time.Now().UTC()
	var out []ImageInfo
	for _, n := range names {
		r, err := ParseRef(n)
		if err != nil || r.Kind != KindRegistry {
			return nil, fmt.Errorf("load: image name %q: not a registry reference", n)
		}
		if err := s.saveRef(refRecord{Name: r.Name, Manifest: id, Pulled: now}); err != nil {
			return nil, err
		}
		out = append(out, ImageInfo{Ref: r.Name, ID: id, Pulled: now.Format(time.RFC3339)})
	}
	if len(names) == 0 {
		out = append(out, ImageInfo{ID: id, Pulled: now.Format(time.RFC3339)})
	}
	return out, nil
}

// importBlobs checks the declared sizes and keeps the manifest (when there is one) and the
// config as content-addressed blobs.
func (s *Store) importBlobs(img v1.Image, withManifest bool) error {
	cfgName, err := img.ConfigName()
	if err != nil {
		return fmt.Errorf("load: image config: %w", err)
	}
	if withManifest {
		if err := newBudget(s.Limits).checkDeclared(img); err != nil {
			return fmt.Errorf("load: %w", err)
		}
		d, err := img.Digest()
		if err != nil {
			return fmt.Errorf("load: %w", err)
		}
		if err := s.saveRaw(d, img.RawManifest); err != nil {
			return err
		}
	}
	return s.saveRaw(cfgName, img.RawConfigFile)
}
