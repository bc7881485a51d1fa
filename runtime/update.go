package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/podd/podd/internal/atomicfile"
	"github.com/podd/podd/internal/invalid"
	"github.com/podd/podd/manifest"
	"github.com/podd/podd/podopts"
	"github.com/podd/podd/rootfs"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
)

// A pod update, as the API server and kubelet do it: labels and annotations change at once; a
// container whose image changes is killed (the pod's grace period) and started again with the
// new image, its restart count one higher, whatever the restart policy; any other spec change is
// refused with the API server's Forbidden message (manifest.ValidateUpdate).

// Update replaces the labels, annotations and images of an existing pod with those of in
// (NotFound when there is no such pod): what a PATCH or PUT of a pod does.
func (rt *Runtime) Update(ctx context.Context, in *corev1.Pod) (*corev1.Pod, podopts.ApplyResult, error) {
	p := rt.lookup(in.Namespace, in.Name)
	if p == nil {
		return nil, "", apierrors.NewNotFound(podsResource, in.Name)
	}
	return p.update(ctx, in, false)
}

// update applies in to the pod: unchanged, configured, or a 422 for a forbidden change. An
// apply (fromApply) merges labels and annotations three ways first (see applied).
func (p *pod) update(ctx context.Context, in *corev1.Pod, fromApply bool) (*corev1.Pod, podopts.ApplyResult, error) {
	cur, merged := p.snapshot(), in
	if fromApply {
		merged = applied(cur, in)
	}
	if err := checkUpdate(cur, merged); err != nil || !updates(cur, merged) {
		if err != nil {
			return nil, "", err
		}
		return cur, podopts.ApplyUnchanged, nil
	}
	select { // an apply still starting the pod writes its record: wait for it
	case <-p.started:
	case <-ctx.Done():
		return nil, "", fmt.Errorf("update pod %q: %w", in.Name, ctx.Err())
	}
	if p.rt.lookup(in.Namespace, in.Name) != p {
		return nil, "", apierrors.NewConflict(podsResource, in.Name, errors.New("the pod failed to start or was deleted meanwhile"))
	}
	if err := p.change(in, fromApply); err != nil {
		return nil, "", err
	}
	return p.snapshot(), podopts.ApplyConfigured, nil
}

// checkUpdate is the 422 of an update ValidateUpdate refuses, worded as the API server's:
// `Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than ...`.
func checkUpdate(cur, in *corev1.Pod) error {
	errs := manifest.ValidateUpdate(cur, in)
	if len(errs) == 0 {
		return nil
	}
	msg := apierrors.NewInvalid(schema.GroupKind{Kind: "Pod"}, in.Name, errs).ErrStatus.Message
	return invalid.Pod(in.Name, msg, errs...)
}

// updates reports whether in changes anything of cur that an update may change.
func updates(cur, in *corev1.Pod) bool {
	return !apiequality.Semantic.DeepEqual(cur.Labels, in.Labels) ||
		!apiequality.Semantic.DeepEqual(cur.Annotations, in.Annotations) ||
		len(manifest.ChangedImages(cur, in)) > 0 || len(manifest.ChangedInitImages(cur, in)) > 0
}

// change makes the update under the pod's record lock (saveMu): checked again against the pod
// as it is now, then changed, encoded and persisted (fsynced) as one step, so no status save can
// write the record in between with half of it, and a failed write leaves the pod as it was. The
// changed containers are told to restart once the record holds their new image.
func (p *pod) change(in *corev1.Pod, fromApply bool) error {
	p.saveMu.Lock()
	defer p.saveMu.Unlock()
	if p.removed { // found before the delete forgot it, now torn down
		return apierrors.NewNotFound(podsResource, in.Name)
	}
	cur := p.snapshot()
	if fromApply { // against the labels as they are now
		in = applied(cur, in)
	}
	if err := checkUpdate(cur, in); err != nil {
		return err
	}
	imgs, err := p.newImages(cur, in)
	if err != nil {
		return err
	}
	p.mu.Lock()
	if p.deleting && len(imgs) > 0 { // its containers are stopping for good
		p.mu.Unlock()
		return apierrors.NewConflict(podsResource, in.Name, errors.New("the pod is being deleted: its images cannot change"))
	}
	undo := p.setUpdated(in, imgs)
	data, err := json.Marshal(p.obj)
	p.mu.Unlock()
	if err == nil {
		err = p.persist(data, true)
	} else {
		err = fmt.Errorf("encode pod record: %w", err)
	}
	if err != nil {
		p.mu.Lock()
		undo()
		p.mu.Unlock()
		return fmt.Errorf("update pod %q: %w", in.Name, err)
	}
	p.metadataChanged(cur)
	for c, img := range imgs {
		c.respec(img)
	}
	if p.rt.podWatch.active() {
		p.rt.podChanged(watch.Modified, p.snapshot())
	}
	return nil
}

// newImages resolves the changed images, by the container that runs each: app containers
// (spec.containers), then init containers (spec.initContainers).
func (p *pod) newImages(cur, in *corev1.Pod) (map[*container]*rootfs.Image, error) {
	imgs := map[*container]*rootfs.Image{}
	kr := p.quietKeyring() // an image pulled with another pod's secret needs one of ours
	for _, set := range []struct {
		path    string
		changed []int
		ctrs    []*container
		specs   []corev1.Container
	}{
		{"spec.containers", manifest.ChangedImages(cur, in), p.ctrs, in.Spec.Containers},
		{"spec.initContainers", manifest.ChangedInitImages(cur, in), p.inits, in.Spec.InitContainers},
	} {
		for _, i := range set.changed {
			c := containerAt(set.ctrs, i)
			if c == nil {
				continue
			}
			path := fmt.Sprintf("%s[%d].image", set.path, i)
			img, err := p.rt.images.ResolveFor(context.Background(), set.specs[i].Image, kr)
			if err != nil {
				return nil, invalid.Pod(in.Name, fmt.Sprintf("%s: %v", path, err), invalid.Field(path, err.Error()))
			}
			imgs[c] = img
		}
	}
	return imgs, nil
}

// containerAt is the container of ctrs that runs the i-th spec of its list.
func containerAt(ctrs []*container, i int) *container {
	for _, c := range ctrs {
		if c.idx == i {
			return c
		}
	}
	return nil
}

// specIn is c's container spec in pod.
func (c *container) specIn(pod *corev1.Pod) *corev1.Container {
	if c.init {
		return &pod.Spec.InitContainers[c.idx]
	}
	return &pod.Spec.Containers[c.idx]
}

// setUpdated sets the labels, annotations and images of in, bumps the resourceVersion, and
// returns what undoes it; p.mu is held.
func (p *pod) setUpdated(in *corev1.Pod, imgs map[*container]*rootfs.Image) (undo func()) {
	o := p.obj
	labels, annotations, rv := o.Labels, o.Annotations, o.ResourceVersion
	images := map[*container]string{}
	o.Labels, o.Annotations = copyMap(in.Labels), copyMap(in.Annotations)
	for c := range imgs {
		images[c] = c.spec.Image
		c.spec.Image = c.specIn(in).Image
	}
	o.ResourceVersion = nextVersion(rv)
	return func() {
		o.Labels, o.Annotations, o.ResourceVersion = labels, annotations, rv
		for c, img := range images {
			c.spec.Image = img
		}
	}
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// nextVersion is the resourceVersion after rv (podd counts a pod's updates from "1").
func nextVersion(rv string) string {
	n, _ := strconv.ParseUint(rv, 10, 64)
	return strconv.FormatUint(max(n, 1)+1, 10)
}

// respec hands the container's supervisor the image of its next run, replacing one it has not
// taken yet; a running container is restarted with it (see changedRun).
func (c *container) respec(img *rootfs.Image) {
	ch := c.respecChan()
	for {
		select {
		case ch <- img:
			return
		default:
			select {
			case <-ch:
			default:
			}
		}
	}
}

// restartsOnRespec: a new image restarts a running app container or sidecar at once; a regular
// init container runs on (kubelet waits for it to finish) and takes it for its next run, if any.
func (c *container) restartsOnRespec() bool { return !c.init || c.sidecar() }

// takeRespec takes an image an update left for the next run, if there is one: a run that
// starts now starts with it.
func (c *container) takeRespec() {
	select {
	case img := <-c.respecChan():
		c.setImage(img)
	default:
	}
}

// respecChan is the container's channel of new images, made on first use.
func (c *container) respecChan() chan *rootfs.Image {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	if c.newImage == nil {
		c.newImage = make(chan *rootfs.Image, 1)
	}
	return c.newImage
}

// changedRun stops a running container whose image changed, kubelet's way ("Container web
// definition changed, will be restarted", then StopContainer with the pod's grace period), and
// takes the new image for the next run. It reports whether the pod is being deleted meanwhile.
func (c *container) changedRun(img *rootfs.Image) (deleting bool) {
	msg := fmt.Sprintf("Container %s definition changed, will be restarted", c.name())
	if c.init { // a sidecar (computeInitContainerActions)
		msg = fmt.Sprintf("Init container %s definition changed", c.name())
	}
	c.p.event(corev1.EventTypeNormal, reasonKilling, msg)
	c.exited(c.stop(time.Now().Add(c.p.graceFor(nil))))
	c.img = img
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	return c.p.deleting
}

// persist writes an encoded record atomically (sync: durably, directory entry included);
// saveMu is held.
func (p *pod) persist(data []byte, sync bool) error {
	if err := atomicfile.Write(p.stateFile(), data, sync); err != nil {
		return err
	}
	if sync {
		return syncPath(p.dir())
	}
	return nil
}
