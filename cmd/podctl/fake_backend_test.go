package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/podd/podd/api"
	"github.com/podd/podd/internal/invalid"
	"github.com/podd/podd/internal/testutil"
	"github.com/podd/podd/podopts"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// fakeBackend keeps pods in memory; logs print "log of <container>", exec echoes.
type fakeBackend struct {
	mu     sync.Mutex
	pods   map[string]*corev1.Pod
	grace  []*int64
	logs   []podopts.LogOptions
	events []corev1.Event
}

func (f *fakeBackend) Apply(_ context.Context, pod *corev1.Pod) (*corev1.Pod, bool, error) {
	if len(pod.Spec.Containers) > 0 && pod.Spec.Containers[0].Image == "/images/bad" {
		return nil, false, invalid.Pod(pod.Name, `spec.containers[0].image: Invalid value: "/images/bad": no such image`, invalid.Field("spec.containers[0].image", "no such image"))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	k := pod.Namespace + "/" + pod.Name
	_, existed := f.pods[k]
	f.pods[k] = pod.DeepCopy()
	return pod, !existed, nil
}

func (f *fakeBackend) Get(ns, name string) (*corev1.Pod, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.pods[ns+"/"+name]
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
	if _, ok := f.pods[ns+"/"+name]; !ok {
		return apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, name)
	}
	delete(f.pods, ns+"/"+name)
	f.grace = append(f.grace, grace)
	return nil
}

func (f *fakeBackend) Logs(_ context.Context, ns, name string, opts podopts.LogOptions, w io.Writer) error {
	if _, err := f.Get(ns, name); err != nil {
		return err
	}
	f.mu.Lock()
	f.logs = append(f.logs, opts)
	f.mu.Unlock()
	_, err := fmt.Fprintf(w, "log of %s\n", opts.Container)
	return err
}

func (f *fakeBackend) Exec(_ context.Context, _, _ string, opts podopts.ExecOptions, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	in := []byte{}
	if stdin != nil {
		in, _ = io.ReadAll(stdin)
	}
	fmt.Fprintf(stdout, "%s in %s: %s", strings.Join(opts.Command, " "), opts.Container, in)
	fmt.Fprint(stderr, "warning\n")
	return len(opts.Command), nil
}

func (f *fakeBackend) Shutdown() {}

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

// serveFake starts podd's API over a fake backend and returns the socket path.
func serveFake(t *testing.T) (*fakeBackend, string) {
	t.Helper()
	testutil.RequireRoot(t)
	sock := filepath.Join(t.TempDir(), "podd.sock")
	l, err := api.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	b := &fakeBackend{pods: map[string]*corev1.Pod{}}
	srv := api.Serve(l, b)
	t.Cleanup(func() { srv.Close() })
	return b, sock
}
