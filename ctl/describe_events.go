package ctl

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/podd/podd/api/client"
	"github.com/podd/podd/podtable"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
)

// podEvents fetches the pod's events with the fieldSelector kubectl describe sends; on an error
// it warns and returns nil (the pod is described without events, as kubectl does).
func podEvents(ctx context.Context, c *client.Client, pod *corev1.Pod, errw io.Writer) []corev1.Event {
	sel := fields.Set{
		"involvedObject.name":      pod.Name,
		"involvedObject.namespace": pod.Namespace,
		"involvedObject.kind":      "Pod",
		"involvedObject.uid":       string(pod.UID),
	}.AsSelector().String()
	events, err := c.Events(ctx, pod.Namespace, sel)
	if err != nil {
		fmt.Fprintf(errw, "Warning: events of pod %s: %v\n", pod.Name, err)
		return nil
	}
	if events == nil {
		events = []corev1.Event{}
	}
	return events
}

// describeEvents prints kubectl's Events table, oldest first; a repeated event's age reads
// "10s (x3 over 2m)".
func describeEvents(d describer, events []corev1.Event, now time.Time) {
	if len(events) == 0 {
		d.line(0, "Events:\t<none>\n")
		return
	}
	sorted := append([]corev1.Event(nil), events...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].LastTimestamp.Before(&sorted[j].LastTimestamp) })
	d.line(0, "Events:\n")
	d.line(1, "Type\tReason\tAge\tFrom\tMessage\n")
	d.line(1, "----\t------\t----\t----\t-------\n")
	for _, e := range sorted {
		d.line(1, "%s\t%s\t%s\t%s\t%s\n", e.Type, e.Reason, eventAge(e, now), e.Source.Component, e.Message)
	}
}

func eventAge(e corev1.Event, now time.Time) string {
	if e.Count > 1 {
		return fmt.Sprintf("%s (x%d over %s)", podtable.Age(e.LastTimestamp, now), e.Count, podtable.Age(e.FirstTimestamp, now))
	}
	return podtable.Age(e.LastTimestamp, now)
}
