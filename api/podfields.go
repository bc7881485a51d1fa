package api

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
)

// podFields are the fields of a pod a fieldSelector may name: the API server's
// (pkg/registry/core/pod's ToSelectableFields), so `kubectl get pods --field-selector
// status.phase=Running` selects here as there.
func podFields(p *corev1.Pod) fields.Set {
	ip := ""
	if len(p.Status.PodIPs) > 0 {
		ip = p.Status.PodIPs[0].IP
	} else {
		ip = p.Status.PodIP
	}
	return fields.Set{
		"metadata.name":            p.Name,
		"metadata.namespace":       p.Namespace,
		"spec.nodeName":            p.Spec.NodeName,
		"spec.restartPolicy":       string(p.Spec.RestartPolicy),
		"spec.schedulerName":       p.Spec.SchedulerName,
		"spec.serviceAccountName":  p.Spec.ServiceAccountName,
		"spec.hostNetwork":         strconv.FormatBool(p.Spec.HostNetwork),
		"status.phase":             string(p.Status.Phase),
		"status.podIP":             ip,
		"status.nominatedNodeName": p.Status.NominatedNodeName,
	}
}

// parsePodFields reads ?fieldSelector= of a pod list; a field pods do not have is a 400, as
// the API server's "field label not supported".
func parsePodFields(v string) (fields.Selector, error) {
	sel, err := fields.ParseSelector(v)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("fieldSelector: invalid value %q: %v", v, err))
	}
	known := podFields(&corev1.Pod{})
	for _, req := range sel.Requirements() {
		if _, ok := known[req.Field]; !ok {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("fieldSelector: field label not supported: %s", req.Field))
		}
	}
	return sel, nil
}

// keeps reports whether the pod is one the list selects (labels and fields).
func (q getQuery) keeps(p *corev1.Pod) bool {
	return (q.selector == nil || q.selector.Matches(labels.Set(p.Labels))) &&
		(q.fields == nil || q.fields.Matches(podFields(p)))
}
