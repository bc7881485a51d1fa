package runtime

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Events of a pod, kubelet's way: a repeat of the same type, reason and message bumps the count
// and lastTimestamp of the earlier event instead of adding one. They live in memory only: a
// podd restart loses them (the API server's events expire too, after an hour), and they go with
// the pod when it is deleted.
const (
	maxPodEvents   = 50 // the most recent events kept per pod
	eventComponent = "podd"

	reasonStarted = "Started"
	reasonKilling = "Killing"
	reasonBackOff = "BackOff"
)

// eventLog is a pod's events, oldest first. The pod's mutex guards it.
type eventLog struct {
	items []corev1.Event
}

// record adds an event about obj at now, or aggregates it into an earlier identical one.
func (l *eventLog) record(obj *corev1.Pod, now time.Time, typ, reason, msg string) {
	t := metav1.NewTime(now)
	for i := range l.items {
		e := &l.items[i]
		if e.Type == typ && e.Reason == reason && e.Message == msg {
			e.Count++
			e.LastTimestamp = t
			l.items = append(append(l.items[:i:i], l.items[i+1:]...), *e) // most recent last
			return
		}
	}
	if len(l.items) >= maxPodEvents {
		l.items = append(l.items[:0:0], l.items[len(l.items)-maxPodEvents+1:]...)
	}
	l.items = append(l.items, newEvent(obj, t, typ, reason, msg))
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
		Reason:         reason,
		Message:        msg,
		Source:         corev1.EventSource{Component: eventComponent, Host: obj.Spec.NodeName},
		FirstTimestamp: t,
		LastTimestamp:  t,
		Count:          1,
		Type:           typ,
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

// eventLocked records an event about the pod; p.mu is held.
func (p *pod) eventLocked(typ, reason, msg string) {
	p.events.record(p.obj, time.Now(), typ, reason, msg)
}

// event records an event about the pod.
func (p *pod) event(typ, reason, msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.eventLocked(typ, reason, msg)
}

// Events returns the events of the pods of a namespace ("" for all), oldest first per pod.
func (rt *Runtime) Events(namespace string) ([]corev1.Event, error) {
	var out []corev1.Event
	for _, p := range rt.podsWhere(func(p *pod) bool { return namespace == "" || p.obj.Namespace == namespace }) {
		p.mu.Lock()
		out = append(out, p.events.list()...)
		p.mu.Unlock()
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
