package manifest

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

	"spec.volumes[].name",
	"spec.volumes[].emptyDir.medium",
	"spec.volumes[].emptyDir.sizeLimit",
	"spec.volumes[].hostPath.path",
	"spec.volumes[].hostPath.type",

	"spec.restartPolicy",
	"spec.terminationGracePeriodSeconds",
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
