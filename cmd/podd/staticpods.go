package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/podd/podd/podopts"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
)

// The annotations podd puts on the pods of --manifests files, as the kubelet does on static
// pods (source and hash), plus the file they come from.
const (
	sourceAnnotation = "kubernetes.io/config.source"
	hashAnnotation   = "kubernetes.io/config.hash"
	fileAnnotation   = "podd.io/config.file"
)

// resyncEvery is how often the directory is read again without an event, the kubelet's
// --file-check-frequency.
const resyncEvery = 20 * time.Second

// settle is how long a burst of file events is let end before the directory is read.
const settle = 100 * time.Millisecond

// podStore is what static pods need of the runtime.
type podStore interface {
	Apply(ctx context.Context, p *corev1.Pod) (*corev1.Pod, podopts.ApplyResult, error)
	Delete(ctx context.Context, namespace, name string, grace *int64) error
	List(namespace string) ([]corev1.Pod, error)
}

// staticPods keeps the pods of a directory in step with its files, as the kubelet's
// staticPodPath: a file added applies its pods, a file changed replaces the pods whose
// spec changed (deleted, then created again), a file removed deletes its pods. A file that
// cannot be read or decoded is reported and its pods are left as they are; it never stops the
// others.
type staticPods struct {
	store podStore
	dir   string
}

// sync makes the running file pods match the files of the directory.
func (s *staticPods) sync(ctx context.Context) {
	files, err := manifestFiles(s.dir)
	if err != nil {
		log.Print(err)
		return
	}
	want, unreadable := map[string]*corev1.Pod{}, map[string]bool{}
	for _, path := range files {
		pods, err := readManifest(path)
		if err != nil {
			log.Printf("%s: %v: skipped", path, err)
			unreadable[path] = true
			continue
		}
		for _, p := range pods {
			markStatic(p, path)
			want[podKey(p)] = p
		}
	}
	have := s.filePods()
	var stopping sync.WaitGroup
	for key, p := range have {
		w := want[key]
		if unreadable[p.Annotations[fileAnnotation]] || (w != nil && w.Annotations[hashAnnotation] == p.Annotations[hashAnnotation]) {
			delete(want, key)
			continue
		}
		stopping.Go(func() { s.remove(ctx, p, w) })
	}
	stopping.Wait()
	for _, p := range want {
		s.apply(ctx, p)
	}
}

// remove deletes p, gone from its file (w nil) or changed there (w is its new version, applied
// once p is gone).
func (s *staticPods) remove(ctx context.Context, p, w *corev1.Pod) {
	if err := s.store.Delete(ctx, p.Namespace, p.Name, nil); err != nil {
		log.Printf("%s: pod %s: delete: %v", p.Annotations[fileAnnotation], p.Name, err)
		return
	}
	log.Printf("%s: pod %s: deleted (%s)", p.Annotations[fileAnnotation], p.Name, map[bool]string{true: "changed in its file", false: "gone from its file"}[w != nil])
}

func (s *staticPods) apply(ctx context.Context, p *corev1.Pod) {
	path := p.Annotations[fileAnnotation]
	if existing := s.existing(p); existing != nil && existing.Annotations[sourceAnnotation] != "file" {
		log.Printf("%s: pod %s: a pod of that name was not made from a file: skipped", path, p.Name)
		return
	}
	if _, _, err := s.store.Apply(ctx, p); err != nil {
		log.Printf("%s: pod %s: %v", path, p.Name, err)
	}
}

func (s *staticPods) existing(p *corev1.Pod) *corev1.Pod {
	pods, _ := s.store.List(p.Namespace)
	for i := range pods {
		if pods[i].Name == p.Name {
			return &pods[i]
		}
	}
	return nil
}

// filePods are the running pods made from a file of this directory.
func (s *staticPods) filePods() map[string]*corev1.Pod {
	pods, err := s.store.List("")
	if err != nil {
		log.Printf("manifests: list pods: %v", err)
		return nil
	}
	out := map[string]*corev1.Pod{}
	for i := range pods {
		a := pods[i].Annotations
		if a[sourceAnnotation] == "file" && strings.HasPrefix(a[fileAnnotation], s.dir+"/") {
			out[podKey(&pods[i])] = &pods[i]
		}
	}
	return out
}

// markStatic annotates p with its source, its file and the hash of the pod as the file gives
// it (before these annotations).
func markStatic(p *corev1.Pod, path string) {
	data, _ := json.Marshal(p)
	sum := sha256.Sum256(data)
	if p.Annotations == nil {
		p.Annotations = map[string]string{}
	}
	p.Annotations[sourceAnnotation] = "file"
	p.Annotations[hashAnnotation] = hex.EncodeToString(sum[:8])
	p.Annotations[fileAnnotation] = path
}

func podKey(p *corev1.Pod) string {
	ns := p.Namespace
	if ns == "" {
		ns = "default"
	}
	return ns + "/" + p.Name
}

// watch syncs after each burst of changes in the directory and every resyncEvery, until ctx
// ends.
func (s *staticPods) watch(ctx context.Context) {
	changed := make(chan struct{}, 1)
	if err := watchDir(ctx, s.dir, changed); err != nil {
		log.Printf("manifests: %v: the directory is read every %v only", err, resyncEvery)
	}
	tick := time.NewTicker(resyncEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-changed:
			time.Sleep(settle)
		case <-tick.C:
		}
		s.sync(ctx)
	}
}

// watchDir signals changed (without blocking) when a file of dir is written, created, moved or
// removed, until ctx ends.
func watchDir(ctx context.Context, dir string, changed chan<- struct{}) error {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return err
	}
	const mask = unix.IN_CLOSE_WRITE | unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO | unix.IN_ATTRIB
	if _, err := unix.InotifyAddWatch(fd, dir, mask); err != nil {
		unix.Close(fd)
		return err
	}
	f := os.NewFile(uintptr(fd), "inotify "+dir)
	context.AfterFunc(ctx, func() { f.Close() })
	go func() {
		buf := make([]byte, 16<<10)
		for {
			if _, err := f.Read(buf); err != nil {
				return
			}
			select {
			case changed <- struct{}{}:
			default:
			}
		}
	}()
	return nil
}
