package cgroupfs

import (
	"fmt"
	"math"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Bounds of cgroup v1 cpu.shares (as the kubelet computes them) and of cgroup v2 cpu.weight.
const (
	MinShares = 2
	MaxShares = 262144
	MinWeight = 1
	MaxWeight = 10000
)

// CPUPeriod is the cpu.max period podd writes, in microseconds (the kubelet default).
const CPUPeriod = 100000

// minQuota is the smallest cpu.max quota written, in microseconds (the kubelet's minimum).
const minQuota = 1000

// SharesFromMilliCPU converts millicores to cgroup v1 cpu.shares exactly as the kubelet does
// (pkg/kubelet/cm/helpers_linux.go MilliCPUToShares): milli*1024/1000 rounded down, clamped to
// [2, 262144]; 0 (or negative) gives the minimum, 2.
func SharesFromMilliCPU(milli int64) uint64 {
	if milli <= 0 {
		return MinShares
	}
	if milli >= MaxShares*1000/1024 { // 256000m and more: also avoids overflow
		return MaxShares
	}
	shares := uint64(milli) * 1024 / 1000
	if shares < MinShares {
		return MinShares
	}
	return shares
}

// WeightFromShares converts cpu.shares to cpu.weight with the quadratic map of runc >= 1.3.2
// and crun >= 1.23 (opencontainers/cgroups ConvertCPUSharesToCgroupV2Value), used by podd at
// both the pod and the container level:
//
//	weight = ceil(10^((L^2 + 125L)/612 - 7/34)), L = log2(shares)
//
// It maps 2 -> 1, 1024 (1 CPU) -> 100 (the cgroup v2 default weight) and 262144 -> 10000.
// 0 gives 0 ("don't write"); the result is clamped to [1, 10000]. The exponent is computed
// as (L^2 + 125L - 126)/612 (7/34 = 126/612), which is exact at the three anchor points, so
// ceil never rounds 100.00000000000001 up to 101.
func WeightFromShares(shares uint64) uint64 {
	switch {
	case shares == 0:
		return 0
	case shares <= MinShares:
		return MinWeight
	case shares >= MaxShares:
		return MaxWeight
	}
	l := math.Log2(float64(shares))
	w := uint64(math.Ceil(math.Pow(10, (l*l+125*l-126)/612)))
	return min(max(w, MinWeight), MaxWeight)
}

// CPUMaxFromMilliCPU converts a cpu limit in millicores to a cpu.max value
// "<quota> 100000" with quota = milli*100000/1000 microseconds, at least 1000 (the kubelet's
// minimum quota). 0 (or negative), meaning no limit, gives "max 100000"; so does a limit too
// large to express (above ~9.2e13 cores).
func CPUMaxFromMilliCPU(limitMilli int64) string {
	if limitMilli <= 0 || limitMilli > math.MaxInt64/(CPUPeriod/1000) {
		return "max " + strconv.Itoa(CPUPeriod)
	}
	quota := max(limitMilli*(CPUPeriod/1000), minQuota)
	return strconv.FormatInt(quota, 10) + " " + strconv.Itoa(CPUPeriod)
}

// weightFromMilliCPU is the cpu.weight for a cpu request in millicores; 0 means "no request,
// don't write" (the kernel default weight 100 stays).
func weightFromMilliCPU(milli int64) uint64 {
	if milli <= 0 {
		return 0
	}
	return WeightFromShares(SharesFromMilliCPU(milli))
}

// quantity returns the value of name in l when it is set and non-zero (the kubelet treats a
// zero request or limit as absent).
func quantity(l corev1.ResourceList, name corev1.ResourceName) (resource.Quantity, bool) {
	q, ok := l[name]
	if !ok || q.IsZero() {
		return resource.Quantity{}, false
	}
	return q, true
}

// cpuRequestMilli is the container's cpu request in millicores, defaulting to its cpu limit
// when only a limit is set (as the API server defaults requests from limits).
func cpuRequestMilli(r *corev1.ResourceRequirements) (int64, bool) {
	if q, ok := quantity(r.Requests, corev1.ResourceCPU); ok {
		return q.MilliValue(), true
	}
	if q, ok := quantity(r.Limits, corev1.ResourceCPU); ok {
		return q.MilliValue(), true
	}
	return 0, false
}

func cpuLimitMilli(r *corev1.ResourceRequirements) (int64, bool) {
	q, ok := quantity(r.Limits, corev1.ResourceCPU)
	return q.MilliValue(), ok
}

func memoryLimit(r *corev1.ResourceRequirements) (int64, bool) {
	q, ok := quantity(r.Limits, corev1.ResourceMemory)
	return q.Value(), ok
}

// ContainerResources is what podd writes into a container's cgroup:
//   - cpu.weight from requests.cpu (or limits.cpu when only a limit is set), through
//     SharesFromMilliCPU and WeightFromShares; not written without either;
//   - cpu.max from limits.cpu (CPUMaxFromMilliCPU); not written without one;
//   - memory.max = limits.memory in bytes; not written without one;
//   - memory.oom.group = 1 (an OOM kill takes the whole container down, as with runc/crun
//     under the kubelet) and memory.swap.max = 0 (the kubelet's NoSwap default); both only
//     where the files exist.
//
// Unlike the kubelet, which gives a container without any cpu request the minimum shares
// (weight 1), podd leaves the kernel default: then a pod needs the cpu controller only when
// it asks for cpu, and runs on hosts without it otherwise.
func ContainerResources(c *corev1.Container) Resources {
	r := Resources{OOMGroup: true, SwapMax: new(int64(0))}
	if m, ok := cpuRequestMilli(&c.Resources); ok {
		r.CPUWeight = weightFromMilliCPU(m)
	}
	if m, ok := cpuLimitMilli(&c.Resources); ok {
		r.CPUMax = CPUMaxFromMilliCPU(m)
	}
	if b, ok := memoryLimit(&c.Resources); ok {
		r.MemoryMax = b
	}
	return r
}

// isSidecar reports whether an init container is a native sidecar (restartPolicy: Always).
func isSidecar(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// podTotal aggregates one per-container value over the pod the way Kubernetes computes a
// pod's effective request or limit: the larger of (sum over app containers and sidecars) and
// (for each init container in order, its value plus the sidecars started before it; for a
// sidecar, the sidecars started so far). With no init containers this is the plain sum over
// spec.containers. all reports whether every container (app and init) had the value.
func podTotal(pod *corev1.Pod, get func(*corev1.ResourceRequirements) (int64, bool)) (total int64, all bool) {
	all = true
	var apps int64
	for i := range pod.Spec.Containers {
		v, ok := get(&pod.Spec.Containers[i].Resources)
		all = all && ok
		apps = addSat(apps, v)
	}
	var sidecars, initMax int64
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		v, ok := get(&c.Resources)
		all = all && ok
		if isSidecar(c) {
			sidecars = addSat(sidecars, v)
			initMax = max(initMax, sidecars)
		} else {
			initMax = max(initMax, addSat(v, sidecars))
		}
	}
	return max(addSat(apps, sidecars), initMax), all
}

func addSat(a, b int64) int64 {
	if a > 0 && b > math.MaxInt64-a {
		return math.MaxInt64
	}
	return a + b
}

// PodResources is what podd writes into a pod's cgroup (the parent of its containers'):
//   - cpu.weight from the pod's cpu request: the sum of the containers' cpu requests (each
//     defaulting to its cpu limit), with init containers and sidecars counted as Kubernetes
//     counts them (podTotal), plus spec.overhead; not written when that is 0;
//   - cpu.max from the same total of cpu limits, only when every container (init containers
//     included) has a cpu limit: one container without a limit leaves the pod unlimited;
//   - memory.max likewise, only when every container has a memory limit;
//   - pod-level spec.resources (PodLevelResources), when set, replaces the aggregate for
//     each value it sets (requests.cpu, else limits.cpu, for the weight);
//   - pids.max = pidsMax (0: not written).
//
// Pod-level OOM grouping and swap are left alone: memory.oom.group is set per container.
func PodResources(pod *corev1.Pod, pidsMax int64) Resources {
	r := Resources{PidsMax: pidsMax}
	overheadCPU, _ := quantity(pod.Spec.Overhead, corev1.ResourceCPU)
	overheadMem, _ := quantity(pod.Spec.Overhead, corev1.ResourceMemory)

	cpuReq, _ := podTotal(pod, cpuRequestMilli)
	cpuLim, cpuAll := podTotal(pod, cpuLimitMilli)
	memLim, memAll := podTotal(pod, memoryLimit)
	if pl := pod.Spec.Resources; pl != nil {
		if m, ok := cpuRequestMilli(pl); ok {
			cpuReq = m
		}
		if m, ok := cpuLimitMilli(pl); ok {
			cpuLim, cpuAll = m, true
		}
		if b, ok := memoryLimit(pl); ok {
			memLim, memAll = b, true
		}
	}
	if cpuReq > 0 || !overheadCPU.IsZero() {
		r.CPUWeight = weightFromMilliCPU(addSat(cpuReq, overheadCPU.MilliValue()))
	}
	if cpuAll && cpuLim > 0 {
		r.CPUMax = CPUMaxFromMilliCPU(addSat(cpuLim, overheadCPU.MilliValue()))
	}
	if memAll && memLim > 0 {
		r.MemoryMax = addSat(memLim, overheadMem.Value())
	}
	return r
}

// NeededControllers lists, in the order cpu, memory, pids, the controllers owning the files
// Set would write for r. OOMGroup and SwapMax count for "memory" too: pass the list to the
// parent's EnableControllers (which skips the unavailable ones) so that those files exist
// where they can.
func NeededControllers(r Resources) []string {
	var c []string
	if r.CPUWeight != 0 || r.CPUMax != "" {
		c = append(c, "cpu")
	}
	if r.MemoryMax != 0 || r.OOMGroup || r.SwapMax != nil {
		c = append(c, "memory")
	}
	if r.PidsMax != 0 {
		c = append(c, "pids")
	}
	return c
}

// MissingControllerError is CheckPod's error: Field (a path in the Pod, e.g.
// "spec.containers[0].resources.limits.memory") needs Controller, which is not available.
type MissingControllerError struct {
	Field      string
	Controller string
}

func (e *MissingControllerError) Error() string {
	return fmt.Sprintf("%s: the %q cgroup v2 controller is not available on this host (cgroup v1 or hybrid mode); podd will not run the pod without enforcing it",
		e.Field, e.Controller)
}

// CheckPod returns a *MissingControllerError naming the first field of pod that would make
// ContainerResources or PodResources write a file of a controller missing from avail (as
// returned by Controllers for podd's cgroup root), or nil. Fields are checked in spec order:
// spec.resources, spec.overhead, spec.initContainers, spec.containers; within a container
// limits.cpu, limits.memory, requests.cpu. requests.memory needs nothing (podd writes no
// memory.min/low). The pids.max podd puts on every pod is not a pod field: the caller checks
// avail["pids"] itself.
func CheckPod(pod *corev1.Pod, avail map[string]bool) error {
	if pl := pod.Spec.Resources; pl != nil {
		if err := checkResources("spec.resources", pl, avail); err != nil {
			return err
		}
	}
	if _, ok := quantity(pod.Spec.Overhead, corev1.ResourceCPU); ok && !avail["cpu"] {
		return &MissingControllerError{Field: "spec.overhead.cpu", Controller: "cpu"}
	}
	for i := range pod.Spec.InitContainers {
		if err := checkResources(fmt.Sprintf("spec.initContainers[%d].resources", i), &pod.Spec.InitContainers[i].Resources, avail); err != nil {
			return err
		}
	}
	for i := range pod.Spec.Containers {
		if err := checkResources(fmt.Sprintf("spec.containers[%d].resources", i), &pod.Spec.Containers[i].Resources, avail); err != nil {
			return err
		}
	}
	return nil
}

func checkResources(path string, r *corev1.ResourceRequirements, avail map[string]bool) error {
	checks := []struct {
		list corev1.ResourceList
		name corev1.ResourceName
		kind string
		ctrl string
	}{
		{r.Limits, corev1.ResourceCPU, "limits", "cpu"},
		{r.Limits, corev1.ResourceMemory, "limits", "memory"},
		{r.Requests, corev1.ResourceCPU, "requests", "cpu"},
	}
	for _, c := range checks {
		if _, ok := quantity(c.list, c.name); ok && !avail[c.ctrl] {
			return &MissingControllerError{Field: path + "." + c.kind + "." + string(c.name), Controller: c.ctrl}
		}
	}
	return nil
}
