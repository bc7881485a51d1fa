package ctl

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/watch"
)

// get events prints kubectl's event table; --field-selector narrows it; -w prints the list,
// then each change.
func TestGetEvents(t *testing.T) {
	b, sock := serveFake(t)
	now := time.Now()
	b.EventList = append(b.EventList,
		podEvent("web", "1", "Warning", "BackOff", "Back-off restarting failed container c in pod web", now.Add(-5*time.Minute), now.Add(-10*time.Second), 3),
		podEvent("db", "2", "Normal", "Started", "Started container c", now.Add(-6*time.Minute), now.Add(-6*time.Minute), 1))
	out, errOut, code := podctl(t, sock, "", "get", "events")
	want := "LAST SEEN   TYPE      REASON    OBJECT    MESSAGE\n" +
		"6m          Normal    Started   pod/db    Started container c\n" +
		"10s         Warning   BackOff   pod/web   Back-off restarting failed container c in pod web\n"
	if code != 0 || out != want {
		t.Fatalf("get events: %d %q\n%s\nwant\n%s", code, errOut, out, want)
	}
	out, _, _ = podctl(t, sock, "", "get", "ev", "--field-selector", "involvedObject.name=web", "--no-headers")
	if out != "10s   Warning   BackOff   pod/web   Back-off restarting failed container c in pod web\n" {
		t.Fatalf("get events --field-selector:\n%q", out)
	}
	b.EventWatch = make(chan watch.Event, 1)
	e := podEvent("web", "1", "Warning", "BackOff", "Back-off restarting failed container c in pod web", now.Add(-5*time.Minute), now, 4)
	b.EventWatch <- watch.Event{Type: watch.Modified, Object: &e}
	close(b.EventWatch)
	out, _, code = podctl(t, sock, "", "get", "events", "-w", "--field-selector=involvedObject.name=web")
	want = "LAST SEEN   TYPE      REASON    OBJECT    MESSAGE\n" +
		"10s         Warning   BackOff   pod/web   Back-off restarting failed container c in pod web\n" +
		"0s          Warning   BackOff   pod/web   Back-off restarting failed container c in pod web\n"
	if code != 0 || out != want {
		t.Fatalf("get events -w:\n%s\nwant\n%s", out, want)
	}
	_, errOut, _ = podctl(t, sock, "", "-n", "other", "get", "events")
	if errOut != "No resources found in other namespace.\n" {
		t.Fatalf("no events: %q", errOut)
	}
}
