package podopts

import "time"

// PodProbes is the last result of each probe of a pod's containers, in their current run
// (GET /podd/v1/namespaces/NS/pods/NAME/probes): what `podctl describe pod` shows under each
// probe line. Kept out of the Pod's status, which holds Kubernetes' fields only.
type PodProbes struct {
	Namespace  string            `json:"namespace"`
	Name       string            `json:"name"`
	Containers []ContainerProbes `json:"containers"`
}

// ContainerProbes is the last results of one container's probes.
type ContainerProbes struct {
	Name   string        `json:"name"`
	Probes []ProbeResult `json:"probes"`
}

// ProbeResult is a probe's last run: Kind is "Liveness", "Readiness" or "Startup", Outcome
// "success", "warning", "failure" or "unknown", Output an excerpt of what it said; Took is the
// whole check, Connect the TCP connection's establishment as podd timed it and KernelConnect
// as the kernel saw it (SYN sent to ESTABLISHED, eBPF), both 0 when not measured.
type ProbeResult struct {
	Kind          string        `json:"kind"`
	Outcome       string        `json:"outcome"`
	Output        string        `json:"output,omitempty"`
	Time          time.Time     `json:"time"`
	Took          time.Duration `json:"took"`
	Connect       time.Duration `json:"connect,omitempty"`
	KernelConnect time.Duration `json:"kernelConnect,omitempty"`
}
