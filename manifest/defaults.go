package manifest

import (
	"path"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/podd/podd/probe"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DefaultTerminationGracePeriodSeconds is the grace period of a pod that
// does not set one.
const DefaultTerminationGracePeriodSeconds int64 = 30

// SetDefaults fills what the API server would: metadata.namespace
// "default", spec.restartPolicy Always, spec.terminationGracePeriodSeconds
// 30, spec.dnsPolicy ClusterFirst, and for each container
// terminationMessagePath /dev/termination-log, terminationMessagePolicy
// File, imagePullPolicy (defaultPullPolicy), port protocol TCP, a request for each
// resource that only has a limit (request = limit), and the probes' defaults (probe.SetDefaults).
func SetDefaults(pod *corev1.Pod) {
	if pod.Namespace == "" {
		pod.Namespace = metav1.NamespaceDefault
	}
	setSpecDefaults(&pod.Spec)
}

func setSpecDefaults(spec *corev1.PodSpec) {
	if spec.RestartPolicy == "" {
		spec.RestartPolicy = corev1.RestartPolicyAlways
	}
	if spec.TerminationGracePeriodSeconds == nil {
		grace := DefaultTerminationGracePeriodSeconds
		spec.TerminationGracePeriodSeconds = &grace
	}
	if spec.DNSPolicy == "" {
		spec.DNSPolicy = corev1.DNSClusterFirst
	}
	for i := range spec.Containers {
		setContainerDefaults(&spec.Containers[i])
	}
	for i := range spec.InitContainers {
		setContainerDefaults(&spec.InitContainers[i])
	}
	for i := range spec.Volumes {
		setVolumeDefaults(&spec.Volumes[i].VolumeSource)
	}
}

// setVolumeDefaults gives configMap, secret, downwardAPI and projected volumes the API server's
// defaultMode (0644) and a downward fieldRef its apiVersion v1.
func setVolumeDefaults(v *corev1.VolumeSource) {
	def := func(m **int32) {
		if *m == nil {
			mode := int32(0o644)
			*m = &mode
		}
	}
	switch {
	case v.ConfigMap != nil:
		def(&v.ConfigMap.DefaultMode)
	case v.Secret != nil:
		def(&v.Secret.DefaultMode)
	case v.DownwardAPI != nil:
		def(&v.DownwardAPI.DefaultMode)
	case v.Projected != nil:
		def(&v.Projected.DefaultMode)
	}
}

func setContainerDefaults(c *corev1.Container) {
	if c.TerminationMessagePath == "" {
		c.TerminationMessagePath = corev1.TerminationMessagePathDefault
	}
	if c.TerminationMessagePolicy == "" {
		c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
	}
	if c.ImagePullPolicy == "" {
		c.ImagePullPolicy = defaultPullPolicy(c.Image)
	}
	for i := range c.Ports {
		if c.Ports[i].Protocol == "" {
			c.Ports[i].Protocol = corev1.ProtocolTCP
		}
	}
	setRequestDefaults(&c.Resources)
	setLifecycleDefaults(c.Lifecycle)
	probe.SetContainerDefaults(c)
}

// setRequestDefaults sets the request of a resource that only has a limit
// to the limit, as the API server does.
func setRequestDefaults(r *corev1.ResourceRequirements) {
	for name, limit := range r.Limits {
		if _, ok := r.Requests[name]; ok || limit.Sign() < 0 { // a negative limit is reported once, as itself
			continue
		}
		if r.Requests == nil {
			r.Requests = corev1.ResourceList{}
		}
		r.Requests[name] = limit.DeepCopy()
	}
}

// defaultPullPolicy is the API server's: Always for a registry image tagged latest (or not
// tagged, which means latest), IfNotPresent otherwise, local directories and oci: layouts
// included.
func defaultPullPolicy(image string) corev1.PullPolicy {
	if !path.IsAbs(image) && !strings.HasPrefix(image, "oci:") {
		if t, err := name.NewTag(image); err == nil && t.TagStr() == "latest" {
			return corev1.PullAlways
		}
	}
	return corev1.PullIfNotPresent
}
