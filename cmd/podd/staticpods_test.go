package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/podd/podd/podopts"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// memStore is a podStore in memory that records what was done to it.
type memStore struct {
	mu   sync.Mutex
	pods map[string]corev1.Pod
	ops  []string
	uids int
}

func (m *memStore) Apply(_ context.Context, p *corev1.Pod) (*corev1.Pod, podopts.ApplyResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p.Namespace == "" {
		p.Namespace = "default"
	}
	if _, ok := m.pods[podKey(p)]; ok {
		return p, podopts.ApplyUnchanged, nil
	}
	m.uids++
	p.UID = types.UID(fmt.Sprint(m.uids))
	m.pods[podKey(p)] = *p
	m.ops = append(m.ops, "apply "+p.Name)
	return p, podopts.ApplyCreated, nil
}

func (m *memStore) Delete(_ context.Context, ns, name string, _ *int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.pods, ns+"/"+name)
	m.ops = append(m.ops, "delete "+name)
	return nil
}

func (m *memStore) List(ns string) ([]corev1.Pod, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []corev1.Pod
	for _, p := range m.pods {
		if ns == "" || p.Namespace == ns {
			out = append(out, p)
		}
	}
	return out, nil
}

// take returns the operations since the last take, sorted (deletes run in parallel).
func (m *memStore) take() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	ops := m.ops
	m.ops = nil
	slices.Sort(ops)
	return ops
}

func podFile(name, command string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: Pod\nmetadata: {name: %s}\nspec:\n  containers:\n  - {name: c, image: /rootfs, command: [%s]}\n", name, command)
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestStaticPodsFollowFiles: a file added applies its pods, a changed pod is deleted and
// created again, an unchanged one is left alone, a removed file deletes its pods, a bad file
// keeps its pods and stops nothing else, and a user's pod of the same name is not touched.
func TestStaticPodsFollowFiles(t *testing.T) {
	dir := t.TempDir()
	store := &memStore{pods: map[string]corev1.Pod{}}
	s := &staticPods{store: store, dir: dir}
	ctx := context.Background()
	step := func(what string, want ...string) {
		t.Helper()
		s.sync(ctx)
		if got := store.take(); !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", what, got, want)
		}
	}
	write(t, filepath.Join(dir, "a.yaml"), podFile("a1", "sleep")+"---\n"+podFile("a2", "sleep"))
	write(t, filepath.Join(dir, "b.yaml"), podFile("b", "sleep"))
	step("first read", "apply a1", "apply a2", "apply b")
	if a := store.pods["default/a1"].Annotations; a[sourceAnnotation] != "file" || a[fileAnnotation] != filepath.Join(dir, "a.yaml") || a[hashAnnotation] == "" {
		t.Errorf("annotations of a1: %v", a)
	}
	step("nothing changed")
	write(t, filepath.Join(dir, "a.yaml"), podFile("a1", "sleep")+"---\n"+podFile("a2", "echo"))
	step("a2 changed", "apply a2", "delete a2")
	write(t, filepath.Join(dir, "b.yaml"), "{{{ not yaml")
	step("b unreadable: its pod stays")
	os.Remove(filepath.Join(dir, "b.yaml"))
	step("b removed", "delete b")
	store.Apply(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "mine"}})
	store.take()
	write(t, filepath.Join(dir, "c.yaml"), podFile("mine", "sleep"))
	step("a user's pod of that name")
	if _, ok := store.pods["default/mine"].Annotations[sourceAnnotation]; ok {
		t.Errorf("the user's pod was replaced by the file's")
	}
}

// TestStaticPodsWatch: a file written into the directory is applied within moments, without
// waiting for the periodic read.
func TestStaticPodsWatch(t *testing.T) {
	dir := t.TempDir()
	store := &memStore{pods: map[string]corev1.Pod{}}
	s := &staticPods{store: store, dir: dir}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.watch(ctx)
	time.Sleep(50 * time.Millisecond)
	write(t, filepath.Join(dir, "w.yaml"), podFile("w", "sleep"))
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if pods, _ := store.List(""); len(pods) == 1 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the pod of a new file was not applied within 3 s (resync is %v)", resyncEvery)
}
