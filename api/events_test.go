package api

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8stypes "k8s.io/apimachinery/pkg/types"
)

func fakeEvent(ns, pod, uid, reason string, at int64) corev1.Event {
	t := metav1.NewTime(time.Unix(at, 0))
	return corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: pod + "." + reason, Namespace: ns},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: pod, Namespace: ns, UID: k8stypes.UID(uid)},
		Reason:         reason, Type: corev1.EventTypeNormal, Count: 1,
		FirstTimestamp: t, LastTimestamp: t,
	}
}

func TestListEventsFieldSelector(t *testing.T) {
	b, c, path := startServer(t)
	b.EventList = []corev1.Event{
		fakeEvent("default", "web", "u1", "Started", 2),
		fakeEvent("default", "db", "u2", "Started", 1),
		fakeEvent("other", "web", "u3", "Evicted", 3),
		fakeEvent("default", "web", "u1", "Killing", 1),
	}
	ctx := context.Background()
	cases := []struct {
		ns, sel string
		want    []string
	}{
		{"", "", []string{"db.Started", "web.Killing", "web.Started", "web.Evicted"}},
		{"default", "involvedObject.name=web", []string{"web.Killing", "web.Started"}},
		{"default", "involvedObject.name=web,involvedObject.namespace=default,involvedObject.kind=Pod,involvedObject.uid=u1", []string{"web.Killing", "web.Started"}},
		{"", "involvedObject.uid=u3", []string{"web.Evicted"}},
		{"default", "involvedObject.name=nope", []string{}},
	}
	for _, tc := range cases {
		got, err := c.Events(ctx, tc.ns, tc.sel)
		if err != nil {
			t.Fatalf("events %q %q: %v", tc.ns, tc.sel, err)
		}
		var names []string
		for _, e := range got {
			names = append(names, e.Name)
		}
		if len(names) != len(tc.want) || (len(names) > 0 && !equal(names, tc.want)) {
			t.Errorf("events ns %q fieldSelector %q: %v, want %v", tc.ns, tc.sel, names, tc.want)
		}
	}
	checkRawStatus(t, path, "/api/v1/events?fieldSelector=spec.nodeName%3Dx", 400, "BadRequest")
}

func equal(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}
