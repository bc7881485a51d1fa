package runtime

import (
	"github.com/podd/podd/bpf/probelat"
	"github.com/podd/podd/podopts"
)

// userSpaceTiming is the probe-latency mechanism without BPF: podd times connect(2) to writable.
const userSpaceTiming = "user-space timing"

// startProbeLatency gives the probes the kernel's connect times (bpf/probelat) unless eBPF is
// disabled or refused; podd's own connect timing is there either way.
func (pr *probing) startProbeLatency(useEBPF bool) {
	if !useEBPF {
		pr.latWhy = "--ebpf=false"
		logf("probe latency: %s (fallback: %s)", userSpaceTiming, pr.latWhy)
		return
	}
	k, err := probelat.Open()
	if err != nil {
		pr.latWhy = err.Error()
		logf("probe latency: %s (fallback: %s)", userSpaceTiming, pr.latWhy)
		return
	}
	pr.kernel = k
	pr.dialer.SetConnectTimes(k)
	logf("probe latency: %s", probelat.Mechanism)
}

// stopProbeLatency detaches the program, once no probe runs any more.
func (pr *probing) stopProbeLatency() {
	if pr.kernel != nil {
		pr.kernel.Close()
	}
}

// probeLatencyInfo is `podctl info`'s probe-latency line.
func (rt *Runtime) probeLatencyInfo() podopts.Watcher {
	pr := rt.probing
	switch {
	case pr == nil: // a test's runtime
		return podopts.Watcher{Name: "probe-latency", Mechanism: userSpaceTiming}
	case pr.kernel != nil:
		return podopts.Watcher{Name: "probe-latency", Mechanism: probelat.Mechanism}
	}
	return podopts.Watcher{Name: "probe-latency", Mechanism: userSpaceTiming, Fallback: pr.latWhy}
}
