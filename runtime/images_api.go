package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/rootfs"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var imagesResource = schema.GroupResource{Resource: "images"}

// PullImage pulls a registry image (podctl image pull), whatever any pod's policy, reporting
// the layers' progress to progress (nil: none).
func (rt *Runtime) PullImage(ctx context.Context, ref string, progress func(wire.PullProgress)) (wire.ImageInfo, error) {
	r, err := rootfs.ParseRef(ref)
	if err != nil || r.Kind != rootfs.KindRegistry {
		return wire.ImageInfo{}, apierrors.NewBadRequest(fmt.Sprintf("image %q: not a registry image reference", ref))
	}
	var opts rootfs.PullOptions
	if progress != nil {
		opts.Progress = func(p rootfs.Progress) { progress(wire.PullProgress(p)) }
	}
	if _, err := rt.images.PullWith(ctx, ref, opts); err != nil {
		return wire.ImageInfo{}, err
	}
	infos, err := rt.Images()
	if err != nil {
		return wire.ImageInfo{}, err
	}
	for _, in := range infos {
		if in.Ref == r.Name {
			return in, nil
		}
	}
	return wire.ImageInfo{}, fmt.Errorf("image %s: pulled but not recorded", r.Name)
}

// LoadImages imports the images of a tar archive, an OCI layout or a docker save archive
// (podctl image load): a bad archive is a 400, one over the limits a 413.
func (rt *Runtime) LoadImages(r io.Reader) ([]wire.ImageInfo, error) {
	infos, err := rt.images.Load(r)
	if errors.Is(err, rootfs.ErrTooLarge) {
		return nil, apierrors.NewRequestEntityTooLargeError(err.Error())
	}
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	out := make([]wire.ImageInfo, len(infos))
	for i, in := range infos {
		out[i] = wire.ImageInfo(in)
	}
	return out, nil
}

// Images lists the pulled registry images.
func (rt *Runtime) Images() ([]wire.ImageInfo, error) {
	infos, err := rt.images.List()
	if err != nil {
		return nil, err
	}
	out := make([]wire.ImageInfo, len(infos))
	for i, in := range infos {
		out[i] = wire.ImageInfo(in)
	}
	return out, nil
}

// RemoveImage forgets a pulled reference; its layers go at the next prune. A reference a pod
// names is refused (409), as crictl rmi refuses an image in use.
func (rt *Runtime) RemoveImage(ref string) error {
	r, err := rootfs.ParseRef(ref)
	if err != nil || r.Kind != rootfs.KindRegistry {
		return apierrors.NewBadRequest(fmt.Sprintf("image %q: not a registry image reference", ref))
	}
	for _, p := range rt.podsWhere(func(*pod) bool { return true }) {
		for _, c := range p.ctrs {
			if cr, err := rootfs.ParseRef(c.spec.Image); err == nil && cr.Name == r.Name {
				return apierrors.NewConflict(imagesResource, r.Name,
					fmt.Errorf("pod %s/%s uses it", p.obj.Namespace, p.obj.Name))
			}
		}
	}
	err = rt.images.Remove(ref)
	if errors.Is(err, rootfs.ErrNotPresent) {
		return apierrors.NewNotFound(imagesResource, r.Name)
	}
	return err
}

// PruneImages removes the images no reference names and no container uses, and their layers.
func (rt *Runtime) PruneImages() (wire.PruneResult, error) {
	res, err := rt.images.Prune(rt.layersInUse)
	return wire.PruneResult(res), err
}

// layersInUse lists the layer directories of every container's image.
func (rt *Runtime) layersInUse() []string {
	var out []string
	for _, p := range rt.podsWhere(func(*pod) bool { return true }) {
		p.mu.Lock()
		for _, c := range p.ctrs {
			if c.img != nil {
				out = append(out, c.img.Lowers...)
			}
		}
		p.mu.Unlock()
	}
	return out
}
