package runtime

import (
	"log"
	"sort"

	"github.com/podd/podd/cgroupfs"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// podsResource names pods in the NotFound and Conflict errors: `pods "web" not found`.
var podsResource = schema.GroupResource{Resource: "pods"}

func logf(format string, args ...any) { log.Printf(format, args...) }

func (rt *Runtime) lookup(namespace, name string) *pod {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.pods[key(namespace, name)]
}

// podsWhere lists the pods for which keep (nil: every pod) is true; keep runs under rt.mu.
func (rt *Runtime) podsWhere(keep func(*pod) bool) []*pod {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	out := make([]*pod, 0, len(rt.pods))
	for _, p := range rt.pods {
		if keep == nil || keep(p) {
			out = append(out, p)
		}
	}
	return out
}

// Get returns a copy of the pod with its current status.
func (rt *Runtime) Get(namespace, name string) (*corev1.Pod, error) {
	p := rt.lookup(namespace, name)
	if p == nil {
		return nil, apierrors.NewNotFound(podsResource, name)
	}
	return p.snapshot(), nil
}

// List returns the pods of a namespace ("" for all), sorted by namespace and name.
func (rt *Runtime) List(namespace string) ([]corev1.Pod, error) {
	pods := rt.sortedPods(namespace)
	out := make([]corev1.Pod, len(pods))
	for i, p := range pods {
		p.mu.Lock()
		p.obj.DeepCopyInto(&out[i])
		p.mu.Unlock()
	}
	return out, nil
}

// VisitPods shows f each pod of a namespace ("" for all), sorted like List, under the pod's
// lock and without a copy (api.PodVisitor: a table copies only what its rows keep).
func (rt *Runtime) VisitPods(namespace string, f func(*corev1.Pod)) error {
	for _, p := range rt.sortedPods(namespace) {
		p.mu.Lock()
		f(p.obj)
		p.mu.Unlock()
	}
	return nil
}

// sortedPods are the pods of a namespace ("" for all) by namespace and name.
func (rt *Runtime) sortedPods(namespace string) []*pod {
	pods := rt.podsWhere(func(p *pod) bool { return namespace == "" || p.obj.Namespace == namespace })
	// Sort the pointers (namespace and name never change), then copy: sorting the copies
	// swapped whole Pod values, a third of a 1000-pod list's cost.
	sort.Slice(pods, func(i, j int) bool {
		a, b := pods[i].obj, pods[j].obj
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	return pods
}

// containerResources are the cgroup values of a container.
func (rt *Runtime) containerResources(c *corev1.Container) cgroupfs.Resources {
	return rt.minimumWeight(cgroupfs.ContainerResources(c))
}

// podResources are the cgroup values of the pod cgroup.
func (rt *Runtime) podResources(pod *corev1.Pod) cgroupfs.Resources {
	return rt.minimumWeight(cgroupfs.PodResources(pod, rt.pidsLimit()))
}

// minimumWeight gives a cgroup without any cpu request kubelet's minimum (2 shares, weight 1),
// at pod and container level alike, where the cpu controller exists (elsewhere nothing is
// written: the pod asked for nothing).
func (rt *Runtime) minimumWeight(r cgroupfs.Resources) cgroupfs.Resources {
	if r.CPUWeight == 0 && rt.avail["cpu"] {
		r.CPUWeight = cgroupfs.WeightFromShares(cgroupfs.SharesFromMilliCPU(0))
	}
	return r
}

func (rt *Runtime) pidsLimit() int64 {
	if !rt.avail["pids"] {
		return 0
	}
	return rt.opts.PidsLimit
}
