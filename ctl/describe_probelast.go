package ctl

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/podd/podd/api/client"
	"github.com/podd/podd/podopts"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// podProbes fetches the last result of each probe of the pod's containers; nil, with a
// warning, when podd cannot say.
func podProbes(ctx context.Context, c *client.Client, pod *corev1.Pod, errw io.Writer) *podopts.PodProbes {
	res, err := c.ProbeResults(ctx, pod.Namespace, pod.Name)
	if err != nil {
		fmt.Fprintf(errw, "Warning: probe results of pod %s: %v\n", pod.Name, err)
		return nil
	}
	return res
}

func probesByContainer(p *podopts.PodProbes) map[string][]podopts.ProbeResult {
	if p == nil {
		return nil
	}
	out := map[string][]podopts.ProbeResult{}
	for _, c := range p.Containers {
		out[c.Name] = c.Probes
	}
	return out
}

// lastProbe is the last result of the container's probe of kind ("Liveness", ...).
func (d describer) lastProbe(container, kind string) (podopts.ProbeResult, bool) {
	for _, r := range d.probes[container] {
		if r.Kind == kind {
			return r, true
		}
	}
	return podopts.ProbeResult{}, false
}

// lastProbeText reads "success 2s ago, took 1.2ms (connect 0.4ms kernel, 0.5ms podd)"; a
// result other than success ends with the first line of its output.
func lastProbeText(r podopts.ProbeResult, now time.Time) string {
	s := fmt.Sprintf("%s %s ago, took %s", r.Outcome, duration.HumanDuration(now.Sub(r.Time)), latency(r.Took))
	switch {
	case r.KernelConnect > 0:
		s += fmt.Sprintf(" (connect %s kernel, %s podd)", latency(r.KernelConnect), latency(r.Connect))
	case r.Connect > 0:
		s += fmt.Sprintf(" (connect %s)", latency(r.Connect))
	}
	if r.Outcome != "success" && r.Output != "" {
		out, _, _ := strings.Cut(strings.TrimSpace(r.Output), "\n")
		if len(out) > 100 {
			out = out[:100] + "..."
		}
		s += ": " + out
	}
	return s
}

// latency prints a duration with one decimal in its unit: 850µs -> "0.9ms", 1.234ms -> "1.2ms",
// 1.5s -> "1.5s"; under 100µs in µs.
func latency(d time.Duration) string {
	switch {
	case d < 100*time.Microsecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}
