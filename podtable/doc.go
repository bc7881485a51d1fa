// Package podtable owns the pod table kubectl shows (NAME, READY, STATUS, RESTARTS, AGE and the
// wide IP, NODE, NOMINATED NODE, READINESS GATES) as a metav1.Table: the column definitions and
// each pod's cells, computed as kubectl's pod printer does. The API server uses it to answer
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`; podctl uses the same functions where
// it has the pods themselves. Pure: k8s.io types and the standard library only, no I/O, so
// podctl links it without linking the server.
package podtable
