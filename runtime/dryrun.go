package runtime

import (
	"context"
	"fmt"

	"github.com/podd/podd/podopts"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// DryRun is what Apply, Create or Update (w) would answer for in, changing nothing: the API
// server's dryRun=All. A new pod is "created" as it would be recorded (uid, creation time,
// Pending); an existing one is merged and checked as an update is, and "configured" with the
// labels, annotations and images it would get, or "unchanged". Like the API server's dry run
// it stops at what the API server decides: whether the node can run the pod (images, host
// ports, volumes) is the apply's to find out.
func (rt *Runtime) DryRun(ctx context.Context, in *corev1.Pod, w podopts.Write) (*corev1.Pod, podopts.ApplyResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", fmt.Errorf("dry run of pod %q: %w", in.Name, err)
	}
	p := rt.lookup(in.Namespace, in.Name)
	switch {
	case p == nil && w == podopts.WriteUpdate:
		return nil, "", apierrors.NewNotFound(podsResource, in.Name)
	case p == nil:
		return newPodObject(in), podopts.ApplyCreated, nil
	case w == podopts.WriteCreate:
		return nil, "", apierrors.NewAlreadyExists(podsResource, in.Name)
	}
	cur, merged := p.snapshot(), in
	if w == podopts.WriteApply {
		merged = applied(cur, in)
	}
	if err := checkUpdate(cur, merged); err != nil {
		return nil, "", err
	}
	if !updates(cur, merged) {
		return cur, podopts.ApplyUnchanged, nil
	}
	return updatedObject(cur, merged), podopts.ApplyConfigured, nil
}

// updatedObject is cur as an update to in leaves it (setUpdated's changes, on a copy).
func updatedObject(cur, in *corev1.Pod) *corev1.Pod {
	out := cur.DeepCopy()
	out.Labels, out.Annotations = copyMap(in.Labels), copyMap(in.Annotations)
	out.ResourceVersion = nextVersion(cur.ResourceVersion)
	setImages(out.Spec.Containers, in.Spec.Containers)
	setImages(out.Spec.InitContainers, in.Spec.InitContainers)
	return out
}

// setImages gives each container of dst the image of the container of src with its name.
func setImages(dst, src []corev1.Container) {
	for i := range dst {
		for _, s := range src {
			if s.Name == dst[i].Name {
				dst[i].Image = s.Image
			}
		}
	}
}
