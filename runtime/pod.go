package runtime

import (
	"path/filepath"
	"sync"

	"github.com/podd/podd/netsetup"
	corev1 "k8s.io/api/core/v1"
)

// pod is a running pod. Its mutex guards obj.Status and the containers' state.
type pod struct {
	rt         *Runtime
	mu         sync.Mutex
	obj        *corev1.Pod
	ns         *netsetup.PodNS
	ctrs       []*container
	deleting   bool
	supervised bool           // container supervisors are running (they reap their processes)
	started    chan struct{}  // closed when Apply's start has finished, well or not
	gone       chan struct{}  // closed when the pod is torn down
	wg         sync.WaitGroup // container supervisors
}

func key(namespace, name string) string { return namespace + "/" + name }

func (p *pod) uid() string       { return string(p.obj.UID) }
func (p *pod) dir() string       { return filepath.Join(p.rt.podsDir(), p.uid()) }
func (p *pod) cgroup() string    { return filepath.Join(p.rt.podsCg, p.uid()) }
func (p *pod) nsDir() string     { return filepath.Join(p.rt.nsDir(), p.uid()) }
func (p *pod) stateFile() string { return filepath.Join(p.dir(), "pod.json") }
func (p *pod) logDir() string {
	return filepath.Join(p.rt.opts.LogDir, p.obj.Namespace+"_"+p.obj.Name+"_"+p.uid())
}
func (p *pod) volumeDir(name string) string { return filepath.Join(p.dir(), "volumes", name) }

// snapshot returns a deep copy of the pod object, safe to hand out.
func (p *pod) snapshot() *corev1.Pod {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.obj.DeepCopy()
}
