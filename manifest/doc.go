// Package manifest turns Pod manifests (YAML or JSON) into defaulted and
// validated v1.Pods.
//
// Decoding is strict: every field of the input is checked against the table
// of fields podd implements (supported.go). A field that is not part of the
// v1 Pod schema is reported as "unknown field"; a field of the schema that
// podd does not implement yet is reported as "not supported". Nothing is
// silently ignored, except the pod status, which belongs to the runtime.
//
// Every error names the field path and the reason, in the style of
// Kubernetes field errors, one problem per line:
//
//	spec.containers[0].image: Required value
//	spec.containers[1].lifecycle.preStop.tcpSocket: not supported
package manifest
