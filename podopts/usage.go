package podopts

import "time"

// UsageList is what the running containers used at Time (GET /podd/v1/usage): cumulative CPU
// and current memory, so a client takes two to get a CPU rate (`podctl top`).
type UsageList struct {
	Time time.Time  `json:"time"`
	Pods []PodUsage `json:"pods"`
}

// PodUsage is the usage of a pod's running containers.
type PodUsage struct {
	Namespace  string           `json:"namespace"`
	Name       string           `json:"name"`
	Containers []ContainerUsage `json:"containers"`
}

// ContainerUsage is one container's cgroup figures (cgroupfs.Usage).
type ContainerUsage struct {
	Name          string `json:"name"`
	CPUUsec       uint64 `json:"cpuUsec"`
	MemoryCurrent uint64 `json:"memoryCurrent"`
	WorkingSet    uint64 `json:"workingSet"`
}
