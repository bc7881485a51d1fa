package api

import (
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PodReader reads pods in-process as GET .../pods answers them (the same pods, sorted and
// selected alike, the same errors), without the JSON round trip: what the commands podd runs
// for podctl read. A list of 1000 pods went out as 4 MB of JSON, was read back whole and decoded
// into a second copy of every pod, all in podd: the peak that set podd's heap (and RSS) after a
// `get pods -o json`.
type PodReader struct{ b Backend }

// NewPodReader reads the pods of b.
func NewPodReader(b Backend) *PodReader { return &PodReader{b: b} }

// ReadPods is the pod name of namespace (Kind and APIVersion set, as GET sends it), or with
// name "" the pods of namespace ("" for all) that labelSelector and fieldSelector ("" for all)
// select, sorted by namespace and name. An error is the *apierrors.StatusError the API's answer
// decodes to.
func (r *PodReader) ReadPods(namespace, name, labelSelector, fieldSelector string) ([]corev1.Pod, error) {
	q, err := readerQuery(name, labelSelector, fieldSelector)
	if err != nil {
		return nil, err
	}
	pods, err := (&handlers{b: r.b}).readPods(namespace, name, q)
	if err != nil {
		return nil, statusOf(err)
	}
	if name != "" {
		pods[0].TypeMeta = podTypeMeta
	}
	return pods, nil
}

// statusOf is err as a client reads it back from the failure answer the server writes for it.
func statusOf(err error) error {
	return &apierrors.StatusError{ErrStatus: *failureStatus(err)}
}

// ReadTable is the table GET .../pods answers with Accept: ...;as=Table (of one pod, or of the
// pods the selectors select); include "" is the API's default, Metadata. A row's Object is the
// object itself (Object.Object), not its JSON.
func (r *PodReader) ReadTable(namespace, name, labelSelector, fieldSelector string, include metav1.IncludeObjectPolicy) (*metav1.Table, error) {
	q, err := readerQuery(name, labelSelector, fieldSelector)
	if err != nil {
		return nil, err
	}
	q.table, q.include = true, include
	if include == "" {
		q.include = metav1.IncludeMetadata
	}
	t, err := (&handlers{b: r.b}).table(namespace, name, q)
	if err != nil {
		return nil, statusOf(err)
	}
	return t, nil
}

// readerQuery is what a list selects (nothing for a named pod).
func readerQuery(name, labelSelector, fieldSelector string) (getQuery, error) {
	var q getQuery
	if name != "" {
		return q, nil
	}
	if err := q.setSelectors(labelSelector, fieldSelector); err != nil {
		return q, statusOf(err)
	}
	return q, nil
}
