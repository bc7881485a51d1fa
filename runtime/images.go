package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/podd/podd/internal/invalid"
	"github.com/podd/podd/podstatus"
	"github.com/podd/podd/rootfs"
	corev1 "k8s.io/api/core/v1"
)

// Image pulls, kubelet's way. A directory or oci: image is resolved at apply (a missing one
// refuses the apply, as before). A registry image found on this machine, when the pull policy
// lets it be used, is too; any other is pulled by the container's supervisor after the apply
// returned: the container waits (ContainerCreating while pulling; ErrImagePull, then
// ImagePullBackOff with kubelet's back-off, or ErrImageNeverPull) and starts once the image
// is there. A pull holds no lock of the runtime or the pod.
const (
	reasonPulling           = "Pulling"
	reasonPulled            = "Pulled"
	reasonFailed            = "Failed"
	reasonErrImagePull      = "ErrImagePull"
	reasonImagePullBackOff  = "ImagePullBackOff"
	reasonErrImageNeverPull = "ErrImageNeverPull"

	// pullErrShown is how long ErrImagePull shows before ImagePullBackOff (kubelet's next
	// pod sync after a failed pull).
	pullErrShown = 2 * time.Second
)

// resolveImages resolves, without the network, the images that can be: every directory and
// oci: image (an error is the apply's 422) and the registry images present here that the
// pull policy lets be used at apply (atApply: Always pulls; a recovering podd uses what it
// has). Containers left without an image get it in awaitImage.
func (p *pod) resolveImages(atApply bool) error {
	for _, c := range p.all() {
		r, err := rootfs.ParseRef(c.spec.Image)
		if err == nil && r.Kind == rootfs.KindRegistry {
			if atApply && c.spec.ImagePullPolicy == corev1.PullAlways {
				continue
			}
			if img, err := c.resolvePresent(); err == nil {
				c.setImage(img)
				c.imagePresentEvent(atApply)
			}
			continue
		}
		var img *rootfs.Image
		if err == nil {
			img, err = p.rt.images.Resolve(c.spec.Image)
			c.setImage(img)
		}
		if err != nil {
			return invalid.Pod(p.obj.Name, fmt.Sprintf("%s.image: %v", c.fieldPath(), err), invalid.Field(c.fieldPath()+".image", err.Error()))
		}
	}
	return nil
}

func (c *container) imagePresentEvent(atApply bool) {
	if atApply {
		c.p.event(corev1.EventTypeNormal, reasonPulled, fmt.Sprintf("Container image %q already present on machine", c.spec.Image))
	}
}

// neverRan reports whether the container has not run yet (its image may still be missing).
func (c *container) neverRan() bool {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	return c.proc == nil && c.restarts == 0 && c.status().State.Terminated == nil &&
		c.status().LastTerminationState.Terminated == nil
}

// awaitImage gets the container's image by its pull policy, trying again with kubelet's
// back-off (10 s doubling to 300 s) until it has it (true) or the pod is deleted (false).
func (c *container) awaitImage() bool {
	for n := 1; ; n++ {
		img, reason, err := c.getImage()
		if err == nil {
			c.setImage(img)
			return true
		}
		if reason == "" { // the pod is being deleted
			return false
		}
		c.setWaitingLocked(reason, err.Error())
		c.p.event(corev1.EventTypeWarning, reasonFailed, "Error: "+reason)
		delay := backoffDelay(n + 1) // 10 s, 20 s, ... 300 s
		if reason == reasonErrImageNeverPull {
			delay = backoffBase
		}
		shown := min(pullErrShown, delay)
		if !c.sleep(shown) {
			return false
		}
		if reason == reasonErrImagePull {
			c.setWaitingLocked(reasonImagePullBackOff, fmt.Sprintf("Back-off pulling image %q: %s: %v", c.spec.Image, reasonErrImagePull, err))
			c.p.event(corev1.EventTypeNormal, reasonBackOff, fmt.Sprintf("Back-off pulling image %q", c.spec.Image))
			c.p.event(corev1.EventTypeWarning, reasonFailed, "Error: "+reasonImagePullBackOff)
		}
		if !c.sleep(delay - shown) {
			return false
		}
	}
}

// sleep waits d, or returns false when the pod is deleted meanwhile.
func (c *container) sleep(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	select {
	case <-c.stopAt:
		return false
	case <-c.p.rt.after(d):
		return true
	}
}

// getImage is one try: the image present here when the policy allows, else a pull. It
// returns the container's Waiting reason with the error, "" when the pod is deleted.
func (c *container) getImage() (*rootfs.Image, string, error) {
	ref := c.spec.Image
	policy := c.spec.ImagePullPolicy
	if policy != corev1.PullAlways {
		img, err := c.resolvePresent()
		if err == nil {
			c.p.event(corev1.EventTypeNormal, reasonPulled, fmt.Sprintf("Container image %q already present on machine", ref))
			return img, "", nil
		}
		if policy == corev1.PullNever {
			msg := fmt.Sprintf("Container image %q is not present with pull policy of Never", ref)
			switch {
			case errors.Is(err, rootfs.ErrNotVerified):
				msg = fmt.Sprintf("Container image %q must be pulled with the pod's credentials (%v), which pull policy Never forbids", ref, err)
			case !errors.Is(err, rootfs.ErrNotPresent):
				msg += ": " + err.Error()
			}
			c.p.event(corev1.EventTypeWarning, reasonErrImageNeverPull, msg)
			return nil, reasonErrImageNeverPull, errors.New(msg)
		}
	}
	return c.pull()
}

// pull pulls the image while the container waits in ContainerCreating; a delete of the pod
// abandons the wait (the shared pull may go on for other pods).
func (c *container) pull() (*rootfs.Image, string, error) {
	ref := c.spec.Image
	auth, err := c.p.pullAuth()
	if err != nil {
		c.p.event(corev1.EventTypeWarning, reasonFailed, fmt.Sprintf("Failed to pull image %q: %v", ref, err))
		return nil, reasonErrImagePull, err
	}
	c.p.event(corev1.EventTypeNormal, reasonPulling, fmt.Sprintf("Pulling image %q", ref))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		img *rootfs.Image
		err error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		img, err := c.p.rt.images.PullWith(ctx, ref, rootfs.PullOptions{Secrets: auth})
		done <- result{img, err}
	}()
	select {
	case <-c.stopAt:
		return nil, "", errors.New("pod deleted")
	case r := <-done:
		if r.err != nil {
			c.p.event(corev1.EventTypeWarning, reasonFailed, fmt.Sprintf("Failed to pull image %q: %v", ref, r.err))
			return nil, reasonErrImagePull, r.err
		}
		took := time.Since(start).Round(time.Millisecond)
		c.p.event(corev1.EventTypeNormal, reasonPulled, fmt.Sprintf("Successfully pulled image %q in %s (%s including waiting)", ref, took, took))
		return r.img, "", nil
	}
}

// pullsAtStart reports whether each start of the container pulls its image first, as the
// kubelet does for imagePullPolicy Always: a registry image whose tag may have moved. An
// unchanged digest downloads nothing (the store holds its layers); a failed pull is
// ErrImagePull and ImagePullBackOff, as at the first start.
func (c *container) pullsAtStart() bool {
	r, err := rootfs.ParseRef(c.spec.Image)
	return err == nil && r.Kind == rootfs.KindRegistry && c.spec.ImagePullPolicy == corev1.PullAlways
}

// firstStart pulls what the apply could not resolve and starts the container's first run; a
// failed start shows as kubelet's Waiting reason and the restart policy takes over. It
// returns false when the pod is deleted first.
func (c *container) firstStart() bool {
	if !c.awaitMounts() || (c.img == nil && !c.awaitImage()) {
		return false
	}
	c.setWaitingLocked(podstatus.ReasonContainerCreating, "")
	if err := c.restart(); err != nil {
		c.setWaitingLocked(startReason(err), err.Error())
		return true
	}
	c.p.mu.Lock()
	c.setRunning(time.Now())
	c.p.updatePhase()
	c.p.mu.Unlock()
	c.p.save()
	return true
}

// withImage lists the containers whose image the apply resolved.
func (p *pod) withImage() []*container {
	var out []*container
	for _, c := range p.ctrs {
		if c.img != nil {
			out = append(out, c)
		}
	}
	return out
}

// setImage records the container's image (prune reads it under the pod's lock).
func (c *container) setImage(img *rootfs.Image) {
	c.p.mu.Lock()
	c.img = img
	c.p.mu.Unlock()
}
