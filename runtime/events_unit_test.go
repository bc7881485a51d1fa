package runtime

import (
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func eventPod() *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns1", UID: "u-1"}}
}

func TestEventLogAggregatesRepeats(t *testing.T) {
	var l eventLog
	t0 := time.Unix(1000, 0)
	l.record(eventPod(), t0, corev1.EventTypeWarning, "BackOff", "Back-off restarting failed container c in pod web")
	l.record(eventPod(), t0.Add(time.Second), corev1.EventTypeNormal, "Started", "Started container c")
	l.record(eventPod(), t0.Add(10*time.Second), corev1.EventTypeWarning, "BackOff", "Back-off restarting failed container c in pod web")
	got := l.list()
	if len(got) != 2 {
		t.Fatalf("%d events, want 2: %+v", len(got), got)
	}
	b := got[1]
	if b.Reason != "BackOff" || b.Count != 2 || !b.FirstTimestamp.Time.Equal(t0) || !b.LastTimestamp.Time.Equal(t0.Add(10*time.Second)) {
		t.Errorf("aggregated event: reason %s count %d first %v last %v", b.Reason, b.Count, b.FirstTimestamp, b.LastTimestamp)
	}
	io := b.InvolvedObject
	if io.Kind != "Pod" || io.Name != "web" || io.Namespace != "ns1" || io.UID != "u-1" || b.Source.Component != "podd" || b.Namespace != "ns1" {
		t.Errorf("event identity: %+v source %+v namespace %q", io, b.Source, b.Namespace)
	}
}

func TestEventLogKeepsTheLast50(t *testing.T) {
	var l eventLog
	for i := range 60 {
		l.record(eventPod(), time.Unix(int64(i), 0), corev1.EventTypeNormal, "Started", fmt.Sprintf("Started container c%d", i))
	}
	got := l.list()
	if len(got) != maxPodEvents {
		t.Fatalf("%d events kept, want %d", len(got), maxPodEvents)
	}
	if got[0].Message != "Started container c10" || got[49].Message != "Started container c59" {
		t.Errorf("kept %q .. %q, want c10 .. c59", got[0].Message, got[49].Message)
	}
}
