// Package podstatus owns how a pod's status is derived: its phase, conditions, container
// states, exit reasons and QoS class are pure functions of the pod (spec and metadata) and of
// what podd observed of its sandbox and containers, modelled on kubelet's
// pkg/kubelet/status/generate.go and kubelet_pods.go (getPhase, convertToAPIContainerStatuses).
//
// It does no I/O and imports only k8s.io/api, k8s.io/apimachinery and the standard library,
// so that the runtime and podctl share it and it is tested without root.
//
// podd keeps no other copy of its observations than the status it records: Observed reads a
// container's observation back from its status, the inverse of ContainerStatus.
package podstatus
