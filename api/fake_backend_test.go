package api

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/podd/podd/internal/invalid"
	"github.com/podd/podd/podopts"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// fakeBackend keeps pods in a map; Logs and Exec behave as the tests set them.
type fakeBackend struct {
	mu       sync.Mutex
	pods     map[string]*corev1.Pod
	deleted  []*int64
	logs     func(ctx context.Context, opts podopts.LogOptions, w io.Writer) error
	exec     func(ctx context.Context, opts podopts.ExecOptions, stdin io.Reader, stdout, stderr io.Writer) (int, error)
	shutdown chan struct{}
	events   []corev1.Event
}

func newFakeBackend() *fakeBackend {
	return &fakeBackend{pods: map[string]*corev1.Pod{}, shutdown: make(chan struct{}, 1)}
}

const badImage = `spec.containers[0].image: Invalid value: "/images/bad": no such image`

func key(ns, name string) string { return ns + "/" + name }

func (f *fakeBackend) Apply(_ context.Context, pod *corev1.Pod) (*corev1.Pod, bool, error) {
	if len(pod.Spec.Containers) > 0 && pod.Spec.Containers[0].Image == "/images/bad" {
		return nil, false, invalid.Pod(pod.Name, badImage, invalid.Field("spec.containers[0].image", "no such image"))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	_, existed := f.pods[key(pod.Namespace, pod.Name)]
	out := pod.DeepCopy()
	out.Status.Phase = corev1.PodRunning
	f.pods[key(pod.Namespace, pod.Name)] = out
	return out.DeepCopy(), !existed, nil
}

func (f *fakeBackend) Get(ns, name string) (*corev1.Pod, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.pods[key(ns, name)]
	if !ok {
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, name)
	}
	return p.DeepCopy(), nil
}

func (f *fakeBackend) List(ns string) ([]corev1.Pod, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []corev1.Pod
	for _, p := range f.pods {
		if ns == "" || p.Namespace == ns {
			out = append(out, *p.DeepCopy())
		}
	}
	return out, nil
}

func (f *fakeBackend) Delete(_ context.Context, ns, name string, grace *int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.pods[key(ns, name)]; !ok {
		return apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, name)
	}
	delete(f.pods, key(ns, name))
	f.deleted = append(f.deleted, grace)
	return nil
}

func (f *fakeBackend) Logs(ctx context.Context, ns, name string, opts podopts.LogOptions, w io.Writer) error {
	if _, err := f.Get(ns, name); err != nil {
		return err
	}
	if f.logs == nil {
		return fmt.Errorf("no logs")
	}
	return f.logs(ctx, opts, w)
}

func (f *fakeBackend) Exec(ctx context.Context, ns, name string, opts podopts.ExecOptions, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	return f.exec(ctx, opts, stdin, stdout, stderr)
}

func (f *fakeBackend) Shutdown() { f.shutdown <- struct{}{} }

func (f *fakeBackend) Events(ns string) ([]corev1.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []corev1.Event
	for _, e := range f.events {
		if ns == "" || e.Namespace == ns {
			out = append(out, *e.DeepCopy())
		}
	}
	return out, nil
}
