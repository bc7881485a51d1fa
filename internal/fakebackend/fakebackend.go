// Package fakebackend is the in-memory API backend (what api.Backend asks of the runtime) that
// the tests of api and podctl serve: pods in a map, deletes and log requests recorded, logs and
// exec answered by functions a test may set. Only tests import it.
package fakebackend

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"

	"github.com/podd/podd/internal/invalid"
	"github.com/podd/podd/manifest"
	"github.com/podd/podd/podopts"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
)

// BadImage is the image Apply refuses, with BadImageMessage as the 422's message.
const (
	BadImage        = "/images/bad"
	BadImageMessage = `spec.containers[0].image: Invalid value: "/images/bad": no such image`
)

// Backend keeps pods by "namespace/name"; set its fields before serving it.
type Backend struct {
	mu        sync.Mutex
	Pods      map[string]*corev1.Pod
	EventList []corev1.Event
	Graces    []*int64             // the grace period of each delete
	LogReq    []podopts.LogOptions // the options of each logs request
	// LogsFunc answers logs (nil: "log of <container>\n"); ExecFunc answers exec (nil: the
	// command line, the container and stdin on stdout, "warning" on stderr, the argument count
	// as exit code).
	LogsFunc  func(ctx context.Context, opts podopts.LogOptions, w io.Writer) error
	ExecFunc  func(ctx context.Context, opts podopts.ExecOptions, stdin io.Reader, stdout, stderr io.Writer) (int, error)
	Shutdowns chan struct{} // one value per Shutdown while there is room
	// PodWatch and EventWatch are what watches receive (a test sends and closes).
	PodWatch, EventWatch chan watch.Event
	// ForwardFunc answers port-forward (nil: a refusal naming the port).
	ForwardFunc func(ctx context.Context, port int32) (net.Conn, error)
}

// PortForward returns ForwardFunc's connection for a stored pod.
func (f *Backend) PortForward(ctx context.Context, ns, name string, port int32) (net.Conn, error) {
	if _, err := f.Get(ns, name); err != nil {
		return nil, err
	}
	if f.ForwardFunc == nil {
		return nil, fmt.Errorf("error forwarding port %d to pod %s, uid : connection refused", port, name)
	}
	return f.ForwardFunc(ctx, port)
}

// New is an empty Backend.
func New() *Backend {
	return &Backend{Pods: map[string]*corev1.Pod{}, Shutdowns: make(chan struct{}, 1)}
}

func key(ns, name string) string { return ns + "/" + name }

func notFound(name string) error {
	return apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, name)
}

// Apply stores the pod as Running; the image BadImage is a 422. A pod that exists is updated
// as Update does.
func (f *Backend) Apply(ctx context.Context, pod *corev1.Pod) (*corev1.Pod, podopts.ApplyResult, error) {
	if len(pod.Spec.Containers) > 0 && pod.Spec.Containers[0].Image == BadImage {
		return nil, "", invalid.Pod(pod.Name, BadImageMessage, invalid.Field("spec.containers[0].image", "no such image"))
	}
	f.mu.Lock()
	_, existed := f.Pods[key(pod.Namespace, pod.Name)]
	if !existed {
		defer f.mu.Unlock()
		out := pod.DeepCopy()
		out.Status.Phase = corev1.PodRunning
		f.Pods[key(pod.Namespace, pod.Name)] = out
		return out.DeepCopy(), podopts.ApplyCreated, nil
	}
	f.mu.Unlock()
	return f.Update(ctx, pod)
}

// Create is Apply of a pod that must not exist yet.
func (f *Backend) Create(ctx context.Context, pod *corev1.Pod) (*corev1.Pod, error) {
	if _, err := f.Get(pod.Namespace, pod.Name); err == nil {
		return nil, apierrors.NewAlreadyExists(schema.GroupResource{Resource: "pods"}, pod.Name)
	}
	out, _, err := f.Apply(ctx, pod)
	return out, err
}

// Update takes the labels, annotations and images (init containers' too) of pod when manifest.ValidateUpdate allows
// the change (else the runtime's 422: `Pod "x" is invalid: spec: Forbidden: ...`).
func (f *Backend) Update(_ context.Context, pod *corev1.Pod) (*corev1.Pod, podopts.ApplyResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, ok := f.Pods[key(pod.Namespace, pod.Name)]
	if !ok {
		return nil, "", notFound(pod.Name)
	}
	if errs := manifest.ValidateUpdate(cur, pod); len(errs) > 0 {
		msg := apierrors.NewInvalid(schema.GroupKind{Kind: "Pod"}, pod.Name, errs).ErrStatus.Message
		return nil, "", invalid.Pod(pod.Name, msg, errs...)
	}
	next := cur.DeepCopy()
	next.Labels, next.Annotations = pod.Labels, pod.Annotations
	for i := range next.Spec.Containers {
		next.Spec.Containers[i].Image = pod.Spec.Containers[i].Image
	}
	for i := range next.Spec.InitContainers {
		next.Spec.InitContainers[i].Image = pod.Spec.InitContainers[i].Image
	}
	if apiequality.Semantic.DeepEqual(next, cur) {
		return cur.DeepCopy(), podopts.ApplyUnchanged, nil
	}
	f.Pods[key(pod.Namespace, pod.Name)] = next
	return next.DeepCopy(), podopts.ApplyConfigured, nil
}

// DryRun answers as Apply, Create or Update would, storing nothing.
func (f *Backend) DryRun(ctx context.Context, pod *corev1.Pod, w podopts.Write) (*corev1.Pod, podopts.ApplyResult, error) {
	cur, err := f.Get(pod.Namespace, pod.Name)
	switch {
	case err != nil && w == podopts.WriteUpdate:
		return nil, "", err
	case err != nil:
		out := pod.DeepCopy()
		out.Status.Phase = corev1.PodPending
		return out, podopts.ApplyCreated, nil
	case w == podopts.WriteCreate:
		return nil, "", apierrors.NewAlreadyExists(schema.GroupResource{Resource: "pods"}, pod.Name)
	}
	scratch := &Backend{Pods: map[string]*corev1.Pod{key(cur.Namespace, cur.Name): cur}}
	return scratch.Update(ctx, pod)
}

func (f *Backend) Get(ns, name string) (*corev1.Pod, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.Pods[key(ns, name)]
	if !ok {
		return nil, notFound(name)
	}
	return p.DeepCopy(), nil
}

func (f *Backend) List(ns string) ([]corev1.Pod, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]corev1.Pod, 0, len(f.Pods))
	for _, p := range f.Pods {
		if ns == "" || p.Namespace == ns {
			out = append(out, corev1.Pod{})
			p.DeepCopyInto(&out[len(out)-1])
		}
	}
	return out, nil
}

func (f *Backend) Delete(_ context.Context, ns, name string, grace *int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.Pods[key(ns, name)]; !ok {
		return notFound(name)
	}
	delete(f.Pods, key(ns, name))
	f.Graces = append(f.Graces, grace)
	return nil
}

func (f *Backend) Logs(ctx context.Context, ns, name string, opts podopts.LogOptions, w io.Writer) error {
	if _, err := f.Get(ns, name); err != nil {
		return err
	}
	f.mu.Lock()
	f.LogReq = append(f.LogReq, opts)
	f.mu.Unlock()
	if f.LogsFunc != nil {
		return f.LogsFunc(ctx, opts, w)
	}
	_, err := fmt.Fprintf(w, "log of %s\n", opts.Container)
	return err
}

func (f *Backend) Exec(ctx context.Context, _, _ string, opts podopts.ExecOptions, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	if f.ExecFunc != nil {
		return f.ExecFunc(ctx, opts, stdin, stdout, stderr)
	}
	in := []byte{}
	if stdin != nil {
		in, _ = io.ReadAll(stdin)
	}
	fmt.Fprintf(stdout, "%s in %s: %s", strings.Join(opts.Command, " "), opts.Container, in)
	fmt.Fprint(stderr, "warning\n")
	return len(opts.Command), nil
}

// Attach answers attach to a stored pod with the container's name on stdout.
func (f *Backend) Attach(ctx context.Context, ns, name string, opts podopts.ExecOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	if _, err := f.Get(ns, name); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "attached to %s\n", opts.Container)
	return nil
}

func (f *Backend) Shutdown() {
	select {
	case f.Shutdowns <- struct{}{}:
	default:
	}
}

func (f *Backend) Events(ns string) ([]corev1.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []corev1.Event
	for _, e := range f.EventList {
		if ns == "" || e.Namespace == ns {
			out = append(out, *e.DeepCopy())
		}
	}
	return out, nil
}

// WatchPods and WatchEvents hand out the channels a test sends on: PodWatch and EventWatch (nil:
// a watch that never changes).
func (f *Backend) WatchPods() (<-chan watch.Event, func()) {
	return f.PodWatch, func() {}
}

func (f *Backend) WatchEvents() (<-chan watch.Event, func()) {
	return f.EventWatch, func() {}
}
