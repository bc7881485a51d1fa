package api

import (
	"fmt"
	"net/http"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
)

// eventFields are the fields of an event a fieldSelector may name, as the API server's.
func eventFields(e *corev1.Event) fields.Set {
	return fields.Set{
		"metadata.name":                  e.Name,
		"metadata.namespace":             e.Namespace,
		"involvedObject.kind":            e.InvolvedObject.Kind,
		"involvedObject.namespace":       e.InvolvedObject.Namespace,
		"involvedObject.name":            e.InvolvedObject.Name,
		"involvedObject.uid":             string(e.InvolvedObject.UID),
		"involvedObject.apiVersion":      e.InvolvedObject.APIVersion,
		"involvedObject.resourceVersion": e.InvolvedObject.ResourceVersion,
		"involvedObject.fieldPath":       e.InvolvedObject.FieldPath,
		"reason":                         e.Reason,
		"reportingComponent":             e.ReportingController,
		"source":                         e.Source.Component,
		"type":                           e.Type,
	}
}

// eventSelector parses the fieldSelector query parameter (kubectl describe sends
// involvedObject.name, .namespace, .kind and .uid); a field events do not have is a 400.
func eventSelector(r *http.Request) (fields.Selector, error) {
	sel, err := fields.ParseSelector(r.URL.Query().Get("fieldSelector"))
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("fieldSelector: %v", err))
	}
	known := eventFields(&corev1.Event{})
	for _, req := range sel.Requirements() {
		if _, ok := known[req.Field]; !ok {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("fieldSelector: %q is not a known field selector: only %q", req.Field, "involvedObject.*, metadata.name, metadata.namespace, reason, source, type"))
		}
	}
	return sel, nil
}

// listEvents serves /api/v1/events and a namespace's events, oldest first.
func (h *handlers) listEvents(w http.ResponseWriter, r *http.Request) {
	sel, err := eventSelector(r)
	if err != nil {
		writeError(w, err)
		return
	}
	if isWatch(r) {
		h.watchEvents(w, r, sel)
		return
	}
	items, err := h.selectEvents(r.PathValue("ns"), sel)
	if err != nil {
		writeError(w, err)
		return
	}
	list := &corev1.EventList{TypeMeta: metav1.TypeMeta{Kind: "EventList", APIVersion: "v1"}, Items: items}
	writeJSON(w, http.StatusOK, list)
}

// selectEvents lists the events of ns ("" for all) that sel selects, least recently seen first.
func (h *handlers) selectEvents(ns string, sel fields.Selector) ([]corev1.Event, error) {
	all, err := h.b.Events(ns)
	if err != nil {
		return nil, err
	}
	items := []corev1.Event{}
	for i := range all {
		if sel.Matches(eventFields(&all[i])) {
			items = append(items, all[i])
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].LastTimestamp.Before(&items[j].LastTimestamp) })
	return items, nil
}
