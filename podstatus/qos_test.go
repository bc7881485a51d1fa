package podstatus

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Moved from runtime (its qosClass is gone): the cases it asserted.
func TestQOSClass(t *testing.T) {
	q := func(s string) resource.Quantity { return resource.MustParse(s) }
	rl := func(cpu, mem string) corev1.ResourceList {
		l := corev1.ResourceList{}
		if cpu != "" {
			l[corev1.ResourceCPU] = q(cpu)
		}
		if mem != "" {
			l[corev1.ResourceMemory] = q(mem)
		}
		return l
	}
	pod := func(req, lim corev1.ResourceList) *corev1.Pod {
		return &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{Requests: req, Limits: lim}}}}}
	}
	cases := []struct {
		pod  *corev1.Pod
		want corev1.PodQOSClass
	}{
		{pod(nil, nil), corev1.PodQOSBestEffort},
		{pod(rl("1", "1Gi"), rl("1", "1Gi")), corev1.PodQOSGuaranteed},
		{pod(nil, rl("1", "1Gi")), corev1.PodQOSGuaranteed},
		{pod(rl("500m", ""), rl("1", "1Gi")), corev1.PodQOSBurstable},
		{pod(rl("500m", ""), nil), corev1.PodQOSBurstable},
	}
	for i, c := range cases {
		if got := QOSClass(c.pod); got != c.want {
			t.Errorf("case %d: %s, want %s", i, got, c.want)
		}
	}
}

// Kubernetes' GetPodQOS over containers and init containers, on undefaulted pods.
func TestQOSClassKubernetesRules(t *testing.T) {
	type res = corev1.ResourceRequirements
	list := func(kv ...string) corev1.ResourceList {
		l := corev1.ResourceList{}
		for i := 0; i < len(kv); i += 2 {
			l[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
		}
		return l
	}
	guaranteed := res{Requests: list("cpu", "1", "memory", "1Gi"), Limits: list("cpu", "1", "memory", "1Gi")}
	for _, c := range []struct {
		name       string
		ctrs, init []res
		want       corev1.PodQOSClass
	}{
		{"no containers", nil, nil, corev1.PodQOSBestEffort},
		{"nothing set", []res{{}, {}}, nil, corev1.PodQOSBestEffort},
		{"zero quantities count as unset", []res{{Requests: list("cpu", "0"), Limits: list("memory", "0")}}, nil, corev1.PodQOSBestEffort},
		{"other resources ignored", []res{{Limits: list("ephemeral-storage", "1Gi")}}, nil, corev1.PodQOSBestEffort},
		{"request defaulted from limit", []res{{Limits: list("cpu", "500m", "memory", "64Mi")}}, nil, corev1.PodQOSGuaranteed},
		{"equal in other units", []res{{Requests: list("cpu", "500m", "memory", "64Mi"), Limits: list("cpu", "0.5", "memory", "67108864")}}, nil, corev1.PodQOSGuaranteed},
		{"all containers equal", []res{guaranteed, guaranteed}, nil, corev1.PodQOSGuaranteed},
		{"one container without limits", []res{guaranteed, {}}, nil, corev1.PodQOSBurstable},
		{"memory limit missing", []res{{Limits: list("cpu", "1")}}, nil, corev1.PodQOSBurstable},
		{"request below limit", []res{{Requests: list("cpu", "100m", "memory", "1Gi"), Limits: list("cpu", "1", "memory", "1Gi")}}, nil, corev1.PodQOSBurstable},
		{"request only", []res{{Requests: list("memory", "1Gi")}}, nil, corev1.PodQOSBurstable},
		{"init container guaranteed too", []res{guaranteed}, []res{guaranteed}, corev1.PodQOSGuaranteed},
		{"init container with nothing", []res{guaranteed}, []res{{}}, corev1.PodQOSBurstable},
		{"init container alone sets requests", []res{{}}, []res{{Requests: list("cpu", "1")}}, corev1.PodQOSBurstable},
		{"init container limits only", []res{{Limits: list("cpu", "1", "memory", "1Gi")}}, []res{{Limits: list("cpu", "2", "memory", "2Gi")}}, corev1.PodQOSGuaranteed},
	} {
		var p corev1.Pod
		for _, r := range c.ctrs {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Resources: r})
		}
		for _, r := range c.init {
			p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Resources: r})
		}
		if got := QOSClass(&p); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}
