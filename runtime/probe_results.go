package runtime

import (
	"github.com/podd/podd/podopts"
	"github.com/podd/podd/probe"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// maxProbeOutput is how much of a probe's output ProbeResults returns.
const maxProbeOutput = 256

// ProbeResults returns the last result of each probe of the pod's containers in their current
// run, or, until its probes ran, in the run before (a container in back-off shows the failure
// that ended it); a container whose probes never ran is left out.
func (rt *Runtime) ProbeResults(namespace, name string) (podopts.PodProbes, error) {
	p := rt.lookup(namespace, name)
	if p == nil {
		return podopts.PodProbes{}, apierrors.NewNotFound(podsResource, name)
	}
	out := podopts.PodProbes{Namespace: namespace, Name: name, Containers: []podopts.ContainerProbes{}}
	p.mu.Lock()
	type ctrRun struct {
		name     string
		prober   *probe.Prober
		previous []probe.Last
	}
	var runs []ctrRun
	for _, c := range p.ctrs {
		r := ctrRun{name: c.name(), previous: c.lastProbe}
		if c.probes != nil {
			r.prober = c.probes.prober
		}
		runs = append(runs, r)
	}
	p.mu.Unlock()
	for _, r := range runs {
		cp := podopts.ContainerProbes{Name: r.name}
		last := r.prober.Last() // outside p.mu: the Prober has its own lock
		if len(last) == 0 {
			last = r.previous
		}
		for _, l := range last {
			cp.Probes = append(cp.Probes, probeResult(l))
		}
		if len(cp.Probes) > 0 {
			out.Containers = append(out.Containers, cp)
		}
	}
	return out, nil
}

func probeResult(l probe.Last) podopts.ProbeResult {
	output := l.Result.Output
	if len(output) > maxProbeOutput {
		output = output[:maxProbeOutput] + "..."
	}
	return podopts.ProbeResult{Kind: l.Kind.String(), Outcome: l.Result.Outcome.String(), Output: output, Time: l.At,
		Took: l.Result.Took, Connect: l.Result.Connect, KernelConnect: l.Result.KernelConnect}
}

// probeLasts is the last results of a run's probes (container.lastProbe).
type probeLasts = []probe.Last
