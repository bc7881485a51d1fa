package runtime

import (
	"cmp"
	"slices"
	"time"

	"github.com/podd/podd/cgroupfs"
	"github.com/podd/podd/podopts"
)

// Usage reads the cgroup figures of the running containers of a namespace ("" for all), pods
// sorted by namespace and name; a container whose cgroup cannot be read is left out.
func (rt *Runtime) Usage(namespace string) podopts.UsageList {
	out := podopts.UsageList{Time: time.Now(), Pods: []podopts.PodUsage{}}
	for _, p := range rt.podsWhere(func(p *pod) bool { return namespace == "" || p.obj.Namespace == namespace }) {
		pu := podopts.PodUsage{Namespace: p.obj.Namespace, Name: p.obj.Name}
		for _, c := range p.running() {
			u, err := cgroupfs.ReadUsage(c.cgroup())
			if err != nil {
				continue
			}
			pu.Containers = append(pu.Containers, podopts.ContainerUsage{Name: c.name(), CPUUsec: u.CPUUsec,
				MemoryCurrent: u.MemoryCurrent, WorkingSet: u.WorkingSet})
		}
		if len(pu.Containers) > 0 {
			out.Pods = append(out.Pods, pu)
		}
	}
	slices.SortFunc(out.Pods, func(a, b podopts.PodUsage) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// running is the pod's containers with a process.
func (p *pod) running() []*container {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*container
	for _, c := range p.ctrs {
		if c.proc != nil {
			out = append(out, c)
		}
	}
	return out
}
