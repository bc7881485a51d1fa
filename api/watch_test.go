package api

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/podd/podd/api/client"
)

// A watch of events sends the selected ones there are (ADDED), then the changes the backend
// reports that the selector keeps, and ends when the backend's channel closes.
func TestWatchEvents(t *testing.T) {
	b, c, _ := startServer(t)
	b.EventList = []corev1.Event{fakeEvent("default", "web", "u1", "Started", 1), fakeEvent("default", "db", "u2", "Started", 2)}
	b.EventWatch = make(chan watch.Event, 4)
	later := fakeEvent("default", "web", "u1", "BackOff", 3)
	b.EventWatch <- watch.Event{Type: watch.Added, Object: later.DeepCopy()}
	other := fakeEvent("default", "db", "u2", "BackOff", 4)
	b.EventWatch <- watch.Event{Type: watch.Added, Object: &other}
	later.Count = 2
	b.EventWatch <- watch.Event{Type: watch.Modified, Object: later.DeepCopy()}
	close(b.EventWatch)
	var got []string
	err := c.WatchEvents(context.Background(), "default", "involvedObject.name=web", func(typ string, e *corev1.Event) error {
		got = append(got, typ+" "+e.Reason+" "+string(rune('0'+e.Count)))
		return nil
	})
	want := []string{"ADDED Started 1", "ADDED BackOff 1", "MODIFIED BackOff 2"}
	if err != nil || len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("watch: %q %v, want %q", got, err, want)
	}
}

// A watch of pods as a Table sends one-row tables: the pods there are, then each change.
func TestWatchPodsTable(t *testing.T) {
	b, c, _ := startServer(t)
	ctx := context.Background()
	if _, _, err := c.Apply(ctx, "default", []byte(webPod)); err != nil {
		t.Fatal(err)
	}
	b.PodWatch = make(chan watch.Event, 2)
	p, _ := b.Get("default", "web")
	p.Status.Phase = corev1.PodSucceeded
	b.PodWatch <- watch.Event{Type: watch.Modified, Object: p}
	close(b.PodWatch)
	var got []string
	err := c.WatchTable(ctx, "default", "", client.ListOptions{}, metav1.IncludeMetadata, func(typ string, tb *metav1.Table) error {
		if len(tb.Rows) != 1 {
			t.Fatalf("%d rows", len(tb.Rows))
		}
		got = append(got, typ+" "+tb.Rows[0].Cells[0].(string)+" "+tb.Rows[0].Cells[2].(string))
		return nil
	})
	if err != nil || len(got) != 2 || got[0] != "ADDED web Running" || got[1] != "MODIFIED web Succeeded" {
		t.Fatalf("watch: %q %v", got, err)
	}
}
