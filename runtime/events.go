package runtime

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Events of a pod, kubelet's way: a repeat of the same type, reason, message and source bumps
// the count and lastTimestamp of the earlier event instead of adding one (the event
// correlator's aggregation). They live in the runtime's event store (eventstore.go): at most
// maxPodEvents per pod and maxEvents in all, written to <root>/events so that a restarted podd
// keeps them; they go with the pod when it is deleted.
const (
	maxPodEvents   = 50   // the most recent events kept per pod
	maxEvents      = 5000 // the most kept in all: the oldest of any pod goes first
	eventComponent = "podd"

	reasonStarted = "Started"
	reasonKilling = "Killing"
	reasonBackOff = "BackOff"
)

// eventLog is a pod's events, least recently seen first.
type eventLog struct {
	items []corev1.Event
}

// record adds an event about obj at now, or aggregates it into an earlier identical one; it
// returns the event as it now is and whether it is new.
func (l *eventLog) record(obj *corev1.Pod, now time.Time, typ, reason, msg string) (*corev1.Event, bool) {
	t := metav1.NewTime(now)
	src := eventSource(obj)
	last := len(l.items) - 1
	for i := range l.items {
		if e := &l.items[i]; sameEvent(e, obj, typ, reason, msg, src) {
			ev := *e
			ev.Count++
			ev.LastTimestamp = t
			copy(l.items[i:], l.items[i+1:]) // most recent last, in place
			l.items[last] = ev
			return &l.items[last], false
		}
	}
	if len(l.items) >= maxPodEvents {
		n := copy(l.items, l.items[len(l.items)-maxPodEvents+1:])
		l.items = l.items[:n]
	}
	l.items = append(l.items, newEvent(obj, t, typ, reason, msg))
	return &l.items[len(l.items)-1], true
}

// sameEvent is the aggregation key: what the event says, about what, from whom.
func sameEvent(e *corev1.Event, obj *corev1.Pod, typ, reason, msg string, src corev1.EventSource) bool {
	return e.Reason == reason && e.Message == msg && e.Type == typ && e.Source == src &&
		e.InvolvedObject.UID == obj.UID && e.InvolvedObject.FieldPath == ""
}

func eventSource(obj *corev1.Pod) corev1.EventSource {
	return corev1.EventSource{Component: eventComponent, Host: obj.Spec.NodeName}
}

func newEvent(obj *corev1.Pod, t metav1.Time, typ, reason, msg string) corev1.Event {
	return corev1.Event{
		TypeMeta: metav1.TypeMeta{Kind: "Event", APIVersion: "v1"},
		ObjectMeta: metav1.ObjectMeta{
			Name:              fmt.Sprintf("%s.%x", obj.Name, t.UnixNano()),
			Namespace:         obj.Namespace,
			CreationTimestamp: t,
		},
		InvolvedObject: corev1.ObjectReference{
			Kind: "Pod", APIVersion: "v1", Name: obj.Name, Namespace: obj.Namespace, UID: obj.UID,
		},
		Reason:              reason,
		Message:             msg,
		Source:              eventSource(obj),
		FirstTimestamp:      t,
		LastTimestamp:       t,
		Count:               1,
		Type:                typ,
		ReportingController: eventComponent,
	}
}

// list returns a copy of the events.
func (l *eventLog) list() []corev1.Event {
	out := make([]corev1.Event, len(l.items))
	for i := range l.items {
		l.items[i].DeepCopyInto(&out[i])
	}
	return out
}

// eventLocked records an event about the pod; p.mu is held (it guards p.obj, which the event
// names).
func (p *pod) eventLocked(typ, reason, msg string) {
	p.rt.events.record(p.obj, time.Now(), typ, reason, msg)
}

// event records an event about the pod.
func (p *pod) event(typ, reason, msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.eventLocked(typ, reason, msg)
}

// Events returns the events of the pods of a namespace ("" for all), oldest first per pod.
func (rt *Runtime) Events(namespace string) ([]corev1.Event, error) {
	pods := rt.podsWhere(func(p *pod) bool { return namespace == "" || p.obj.Namespace == namespace })
	var out []corev1.Event
	for _, p := range pods {
		out = append(out, rt.events.list(p.obj.UID)...)
	}
	return out, nil
}

// killingEventsLocked records kubelet's Killing event for each running container; p.mu is held.
func (p *pod) killingEventsLocked() {
	for _, c := range p.all() {
		if c.proc != nil {
			p.eventLocked(corev1.EventTypeNormal, reasonKilling, "Stopping container "+c.name())
		}
	}
}
