package manifest

import "strings"

// supported lists every Pod field podd implements, one JSON path per line.
// "[]" steps into the items of a list; a trailing ".*" accepts anything
// below. A path ending on an object (spec.securityContext) accepts only the
// empty object. A field of the v1 Pod schema that is not listed here is
// rejected as "not supported": supporting it starts with adding its line.
var supported = []string{
	"apiVersion",
	"kind",

	"metadata.name",
	"metadata.namespace",
	"metadata.labels",
	"metadata.annotations",
	"metadata.uid",
	"metadata.creationTimestamp",
	"metadata.resourceVersion",
	"metadata.generation",

	"spec.containers[].name",
	"spec.containers[].image",
	"spec.containers[].command",
	"spec.containers[].args",
	"spec.containers[].workingDir",
	"spec.containers[].env[].name",
	"spec.containers[].env[].value",
	"spec.containers[].ports[].name",
	"spec.containers[].ports[].containerPort",
	"spec.containers[].ports[].protocol",
	"spec.containers[].resources.requests.cpu",
	"spec.containers[].resources.requests.memory",
	"spec.containers[].resources.limits.cpu",
	"spec.containers[].resources.limits.memory",
	"spec.containers[].volumeMounts[].name",
	"spec.containers[].volumeMounts[].mountPath",
	"spec.containers[].volumeMounts[].readOnly",
	"spec.containers[].imagePullPolicy",
	"spec.containers[].terminationMessagePath",
	"spec.containers[].terminationMessagePolicy",
	"spec.containers[].stdin",
	"spec.containers[].tty",
	// Probes (package probe); grpc is not supported yet.
	"spec.containers[].livenessProbe.exec.command",
	"spec.containers[].livenessProbe.httpGet.path",
	"spec.containers[].livenessProbe.httpGet.port",
	"spec.containers[].livenessProbe.httpGet.host",
	"spec.containers[].livenessProbe.httpGet.scheme",
	"spec.containers[].livenessProbe.httpGet.httpHeaders[].name",
	"spec.containers[].livenessProbe.httpGet.httpHeaders[].value",
	"spec.containers[].livenessProbe.tcpSocket.port",
	"spec.containers[].livenessProbe.tcpSocket.host",
	"spec.containers[].livenessProbe.initialDelaySeconds",
	"spec.containers[].livenessProbe.timeoutSeconds",
	"spec.containers[].livenessProbe.periodSeconds",
	"spec.containers[].livenessProbe.successThreshold",
	"spec.containers[].livenessProbe.failureThreshold",
	"spec.containers[].livenessProbe.terminationGracePeriodSeconds",
	"spec.containers[].readinessProbe.exec.command",
	"spec.containers[].readinessProbe.httpGet.path",
	"spec.containers[].readinessProbe.httpGet.port",
	"spec.containers[].readinessProbe.httpGet.host",
	"spec.containers[].readinessProbe.httpGet.scheme",
	"spec.containers[].readinessProbe.httpGet.httpHeaders[].name",
	"spec.containers[].readinessProbe.httpGet.httpHeaders[].value",
	"spec.containers[].readinessProbe.tcpSocket.port",
	"spec.containers[].readinessProbe.tcpSocket.host",
	"spec.containers[].readinessProbe.initialDelaySeconds",
	"spec.containers[].readinessProbe.timeoutSeconds",
	"spec.containers[].readinessProbe.periodSeconds",
	"spec.containers[].readinessProbe.successThreshold",
	"spec.containers[].readinessProbe.failureThreshold",
	"spec.containers[].readinessProbe.terminationGracePeriodSeconds",
	"spec.containers[].startupProbe.exec.command",
	"spec.containers[].startupProbe.httpGet.path",
	"spec.containers[].startupProbe.httpGet.port",
	"spec.containers[].startupProbe.httpGet.host",
	"spec.containers[].startupProbe.httpGet.scheme",
	"spec.containers[].startupProbe.httpGet.httpHeaders[].name",
	"spec.containers[].startupProbe.httpGet.httpHeaders[].value",
	"spec.containers[].startupProbe.tcpSocket.port",
	"spec.containers[].startupProbe.tcpSocket.host",
	"spec.containers[].startupProbe.initialDelaySeconds",
	"spec.containers[].startupProbe.timeoutSeconds",
	"spec.containers[].startupProbe.periodSeconds",
	"spec.containers[].startupProbe.successThreshold",
	"spec.containers[].startupProbe.failureThreshold",
	"spec.containers[].startupProbe.terminationGracePeriodSeconds",
	// Lifecycle hooks and the stop signal (runtime/hooks.go).
	"spec.containers[].lifecycle.postStart.exec.command",
	"spec.containers[].lifecycle.postStart.httpGet.path",
	"spec.containers[].lifecycle.postStart.httpGet.port",
	"spec.containers[].lifecycle.postStart.httpGet.host",
	"spec.containers[].lifecycle.postStart.httpGet.scheme",
	"spec.containers[].lifecycle.postStart.httpGet.httpHeaders[].name",
	"spec.containers[].lifecycle.postStart.httpGet.httpHeaders[].value",
	"spec.containers[].lifecycle.postStart.sleep.seconds",
	"spec.containers[].lifecycle.preStop.exec.command",
	"spec.containers[].lifecycle.preStop.httpGet.path",
	"spec.containers[].lifecycle.preStop.httpGet.port",
	"spec.containers[].lifecycle.preStop.httpGet.host",
	"spec.containers[].lifecycle.preStop.httpGet.scheme",
	"spec.containers[].lifecycle.preStop.httpGet.httpHeaders[].name",
	"spec.containers[].lifecycle.preStop.httpGet.httpHeaders[].value",
	"spec.containers[].lifecycle.preStop.sleep.seconds",
	"spec.containers[].lifecycle.stopSignal",
	// Init containers accept every spec.containers[] field (initContainerFields) and this one.
	"spec.initContainers[].restartPolicy",

	"spec.volumes[].name",
	"spec.volumes[].emptyDir.medium",
	"spec.volumes[].emptyDir.sizeLimit",
	"spec.volumes[].hostPath.path",
	"spec.volumes[].hostPath.type",

	"spec.restartPolicy",
	"spec.terminationGracePeriodSeconds",
	"spec.activeDeadlineSeconds",
	"spec.hostname",
	"spec.nodeName",
	"spec.dnsPolicy",
	"spec.schedulerName",
	"spec.enableServiceLinks",
	"spec.securityContext",

	// The status belongs to the runtime: accepted so that the output of
	// "podctl get pod -o yaml" can be applied again, then dropped.
	"status.*",
}

// initContainerFields are the spec.containers[] lines of supported as spec.initContainers[]
// lines: an init container accepts what a container does (validation refuses what only app
// containers may have, such as probes on a regular init container).
func initContainerFields(lines []string) []string {
	out := append([]string(nil), lines...)
	for _, l := range lines {
		if rest, ok := strings.CutPrefix(l, "spec.containers[]."); ok {
			out = append(out, "spec.initContainers[]."+rest)
		}
	}
	return out
}
