package podopts

import "time"

// Info is what `podctl info` shows: podd's version, its cgroup mode and, per watcher, the
// mechanism in use (GET /podd/v1/info).
type Info struct {
	Version     string    `json:"version"`
	CgroupMode  string    `json:"cgroupMode"`            // "v2" or "hybrid"
	CgroupMount string    `json:"cgroupMount,omitempty"` // the cgroup2 mount podd uses
	Controllers []string  `json:"controllers,omitempty"` // cgroup controllers pods get
	Watchers    []Watcher `json:"watchers"`
	// OOMReportLatency is the time from the kernel's kill to podd's event, over the latest
	// kills reported through eBPF (nil: none yet).
	OOMReportLatency *Latency `json:"oomReportLatency,omitempty"`
}

// Watcher is one of podd's kernel watchers: "oom-watch" on "ebpf (oom/mark_victim)", or a
// fallback and why.
type Watcher struct {
	Name      string `json:"name"`
	Mechanism string `json:"mechanism"`
	Fallback  string `json:"fallback,omitempty"`
}

// Latency sums up a set of durations.
type Latency struct {
	Count int           `json:"count"`
	P50   time.Duration `json:"p50"`
	P99   time.Duration `json:"p99"`
	Max   time.Duration `json:"max"`
}
