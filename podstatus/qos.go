package podstatus

import (
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// QOSClass is Kubernetes' GetPodQOS over the containers and init containers, counting only
// positive cpu and memory quantities, with a missing request taken as equal to its limit
// (the API server's defaulting, so that an undefaulted pod gets the same class):
// BestEffort when nothing is set; Guaranteed when every container has cpu and memory limits
// and the summed requests equal the summed limits; Burstable otherwise.
func QOSClass(pod *v1.Pod) v1.PodQOSClass {
	requests, limits := v1.ResourceList{}, v1.ResourceList{}
	guaranteed := true
	ctrs := append(append([]v1.Container(nil), pod.Spec.Containers...), pod.Spec.InitContainers...)
	for i := range ctrs {
		r := &ctrs[i].Resources
		addPositive(requests, defaultedRequests(r))
		found := addPositive(limits, r.Limits)
		if !found[v1.ResourceCPU] || !found[v1.ResourceMemory] {
			guaranteed = false
		}
	}
	switch {
	case len(requests) == 0 && len(limits) == 0:
		return v1.PodQOSBestEffort
	case guaranteed && sameQuantities(requests, limits):
		return v1.PodQOSGuaranteed
	default:
		return v1.PodQOSBurstable
	}
}

// defaultedRequests are the requests with each missing one set to its limit.
func defaultedRequests(r *v1.ResourceRequirements) v1.ResourceList {
	out := v1.ResourceList{}
	for name, q := range r.Limits {
		out[name] = q
	}
	for name, q := range r.Requests {
		out[name] = q
	}
	return out
}

// addPositive adds the positive cpu and memory quantities of from into sum and reports which
// it found.
func addPositive(sum, from v1.ResourceList) map[v1.ResourceName]bool {
	found := map[v1.ResourceName]bool{}
	for name, q := range from {
		if (name != v1.ResourceCPU && name != v1.ResourceMemory) || q.Cmp(resource.Quantity{}) <= 0 {
			continue
		}
		found[name] = true
		total := q.DeepCopy()
		if prev, ok := sum[name]; ok {
			total.Add(prev)
		}
		sum[name] = total
	}
	return found
}

func sameQuantities(a, b v1.ResourceList) bool {
	if len(a) != len(b) {
		return false
	}
	for name, qa := range a {
		if qb, ok := b[name]; !ok || qa.Cmp(qb) != 0 {
			return false
		}
	}
	return true
}
