package runtime

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/podd/podd/cgroupfs"
	"github.com/podd/podd/internal/invalid"
	"github.com/podd/podd/podopts"
	"github.com/podd/podd/podstatus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

// Apply starts a new pod and returns once every container has been exec'd, or fails leaving
// nothing behind. Applying a pod that exists updates it as Kubernetes lets a pod be updated
// (update.go): unchanged, configured, or a 422 for a forbidden change.
func (rt *Runtime) Apply(ctx context.Context, in *corev1.Pod) (*corev1.Pod, podopts.ApplyResult, error) {
	return rt.apply(ctx, in, false)
}

// Create is Apply of a pod that must not exist yet (AlreadyExists otherwise): `podctl create`.
func (rt *Runtime) Create(ctx context.Context, in *corev1.Pod) (*corev1.Pod, error) {
	out, _, err := rt.apply(ctx, in, true)
	return out, err
}

func (rt *Runtime) apply(ctx context.Context, in *corev1.Pod, createOnly bool) (*corev1.Pod, podopts.ApplyResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", fmt.Errorf("apply pod %q: %w", in.Name, err)
	}
	k := key(in.Namespace, in.Name)
	rt.mu.Lock()
	if rt.closing {
		rt.mu.Unlock()
		return nil, "", apierrors.NewConflict(podsResource, in.Name, errors.New("podd is shutting down"))
	}
	if old, ok := rt.pods[k]; ok {
		rt.mu.Unlock()
		if createOnly {
			return nil, "", apierrors.NewAlreadyExists(podsResource, in.Name)
		}
		return old.update(ctx, in, true)
	}
	p := rt.newPod(in)
	rt.pods[k] = p
	if rt.podWatch.active() {
		rt.podChanged(watch.Added, p.obj.DeepCopy())
	}
	rt.applies.Add(1)
	defer rt.applies.Done()
	rt.mu.Unlock()
	err := p.start(ctx)
	close(p.started)
	if err != nil {
		rt.forget(p)
		return nil, "", err
	}
	return p.snapshot(), podopts.ApplyCreated, nil
}

func (rt *Runtime) forget(p *pod) {
	rt.mu.Lock()
	gone := rt.pods[key(p.obj.Namespace, p.obj.Name)] == p
	if gone {
		delete(rt.pods, key(p.obj.Namespace, p.obj.Name))
	}
	rt.mu.Unlock()
	if gone { // its events go with it; watchers see it go
		rt.events.drop(p.obj.UID)
		if rt.podWatch.active() {
			rt.podChanged(watch.Deleted, p.snapshot())
		}
	}
}

func (rt *Runtime) newPod(in *corev1.Pod) *pod {
	obj := newPodObject(in)
	p := &pod{rt: rt, obj: obj, started: make(chan struct{}), gone: make(chan struct{})}
	p.sandbox = rt.newSandbox(obj)
	p.addContainers()
	p.initStatuses()
	return p
}

// newPodObject is in as a new pod's record starts: a uid, the creation time, Pending.
func newPodObject(in *corev1.Pod) *corev1.Pod {
	obj := in.DeepCopy()
	obj.UID = types.UID(newUID())
	obj.CreationTimestamp = metav1.Now()
	obj.ResourceVersion = "1"
	obj.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: podstatus.QOSClass(obj)}
	return obj
}

// addContainers makes the pod's containers, init ones first, from its spec.
func (p *pod) addContainers() {
	spec := &p.obj.Spec
	for i := range spec.InitContainers {
		p.inits = append(p.inits, newContainer(p, i, &spec.InitContainers[i], true))
	}
	for i := range spec.Containers {
		p.ctrs = append(p.ctrs, newContainer(p, i, &spec.Containers[i], false))
	}
}

func newContainer(p *pod, idx int, spec *corev1.Container, init bool) *container {
	return &container{p: p, idx: idx, spec: spec, init: init, stopAt: make(chan time.Time, 1), done: make(chan struct{})}
}

// start plans the pod (validation, images), runs its sandbox (RunPodSandbox), creates its
// containers alongside and starts them (CreateContainer, StartContainer); on failure it undoes
// everything through the same steps as a delete (teardown). A cancelled ctx (the client went
// away) stops it between steps, and it undoes what it made.
func (p *pod) start(ctx context.Context) (err error) {
	if err := p.plan(); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			p.dropEarly()
			p.teardown()
		}
	}()
	if err := ctxErr(ctx, p); err != nil {
		return err
	}
	if err := p.record(); err != nil {
		return err
	}
	// The record's fsync and the containers' cgroups, writable layers and log files do not
	// need the sandbox's namespaces: they are made side by side with them.
	tasks := []func() error{p.syncRecord}
	// Else the initializer creates and starts them: after the init containers, or in order
	// (poststart.go).
	parallelStart := len(p.inits) == 0 && !p.orderedStart()
	if parallelStart {
		for _, c := range p.withImage() { // the others are made once their image is pulled
			tasks = append(tasks, p.ifMounted(func() error {
				if err := c.create(); err != nil {
					return err
				}
				c.cloneEarly(p.pinned.ch)
				return nil
			}))
		}
	}
	err = p.sandbox.run(tasks...)
	p.setPodIP()
	if err != nil {
		return err
	}
	crashpoint(crashApplySandbox)
	if err := ctxErr(ctx, p); err != nil {
		return err
	}
	if parallelStart {
		err := p.startContainers()
		p.dropEarly() // any not taken: startContainers stopped before them
		if err != nil {
			return err
		}
	}
	p.mu.Lock()
	p.updatePhase()
	p.mu.Unlock()
	crashpoint(crashApplyBeforeSave)
	if err := p.write(false); err != nil {
		return err
	}
	if err := p.clearApplying(); err != nil {
		return err
	}
	p.supervised = true
	p.startMounter()
	p.superviseAll()
	p.watchDeadline()
	return nil
}

// plan checks what the host must offer the pod and resolves its images, before anything is made.
func (p *pod) plan() error {
	if err := cgroupfs.CheckPod(p.obj, p.rt.avail); err != nil {
		var mc *cgroupfs.MissingControllerError
		if errors.As(err, &mc) {
			return invalid.Pod(p.obj.Name, err.Error(), invalid.Field(mc.Field, fmt.Sprintf("the %q cgroup v2 controller is not available", mc.Controller)))
		}
		return invalid.Pod(p.obj.Name, err.Error())
	}
	return p.resolveImages(true)
}

// record writes the pod directory, the in-progress marker and the record, in that order: a
// record without the marker is a pod whose apply completed.
func (p *pod) record() error {
	if err := os.MkdirAll(p.dir(), 0o700); err != nil {
		return fmt.Errorf("pod directory: %w", err)
	}
	if err := p.markApplying(); err != nil {
		return err
	}
	if err := p.writeNew(); err != nil {
		return err
	}
	crashpoint(crashApplyRecorded)
	return nil
}

// setPodIP shows the sandbox's address in the status.
func (p *pod) setPodIP() {
	if p.ip == "" {
		return
	}
	p.mu.Lock()
	p.obj.Status.PodIP = p.ip
	p.obj.Status.PodIPs = nil
	for _, ip := range p.podIPs() {
		p.obj.Status.PodIPs = append(p.obj.Status.PodIPs, corev1.PodIP{IP: ip})
	}
	p.mu.Unlock()
}

// parallel runs the tasks at once and joins their errors.
func parallel(tasks []func() error) error {
	errs := make([]error, len(tasks))
	var wg sync.WaitGroup
	for i, task := range tasks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = task()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// startContainers starts every created container at once; if any fails, the caller tears
// down.
func (p *pod) startContainers() error {
	if !p.mounted() {
		return nil // the containers wait for their volumes (volwait.go)
	}
	ctrs := p.withImage()
	tasks := make([]func() error, len(ctrs))
	for i, c := range ctrs {
		tasks[i] = func() error {
			if err := c.start(); isConfigError(err) {
				c.waitConfig(err) // accepted: the container waits, as with kubelet
				return nil
			} else if err != nil {
				return err
			}
			crashpoint(crashApplyFirstClone)
			p.mu.Lock()
			c.setRunning(time.Now())
			p.mu.Unlock()
			return nil
		}
	}
	return parallel(tasks)
}

// ctxErr is the error of an apply whose client went away.
func ctxErr(ctx context.Context, p *pod) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("apply pod %q: %w", p.obj.Name, err)
	}
	return nil
}

// createPodCgroup makes a pod's cgroup under <cgroup-root>/pods, making that again first if it
// was removed under podd (an operator's rmdir, possible while no pod exists).
func (rt *Runtime) createPodCgroup(cg string) error {
	err := rt.cg.Create(cg)
	if errors.Is(err, fs.ErrNotExist) {
		if rerr := rt.restorePodsCgroup(); rerr != nil {
			return rerr
		}
		err = rt.cg.Create(cg)
	}
	if err != nil {
		return fmt.Errorf("pod cgroup: %w", err)
	}
	return nil
}

func (rt *Runtime) restorePodsCgroup() error {
	logf("cgroup %s was removed under podd: creating it again", rt.podsCg)
	if err := rt.cg.Create(rt.podsCg); err != nil {
		return fmt.Errorf("podd's cgroup for pods %s is missing and cannot be created again "+
			"(is podd's cgroup root %s still there?): %w", rt.podsCg, rt.opts.CgroupRoot, err)
	}
	if err := rt.cg.EnableControllers(rt.podsCg, []string{"cpu", "memory", "pids"}); err != nil {
		return fmt.Errorf("podd's cgroup for pods %s was missing; created again, but: %w", rt.podsCg, err)
	}
	return nil
}

func (p *pod) hostname() string { return podHostname(p.obj) }

func podHostname(obj *corev1.Pod) string {
	h := obj.Spec.Hostname
	if h == "" {
		h = obj.Name
	}
	if len(h) > 63 { // as kubelet: cut, then drop what a hostname may not end with
		h = strings.TrimRight(h[:63], "-.")
	}
	return h
}

func newUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
