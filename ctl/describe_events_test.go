package ctl

import (
	"bytes"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8stypes "k8s.io/apimachinery/pkg/types"
)

func podEvent(name, uid, typ, reason, msg string, first, last time.Time, count int32) corev1.Event {
	return corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: name + "." + reason, Namespace: "default"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: name, Namespace: "default", UID: k8stypes.UID("u-" + uid)},
		Type:           typ, Reason: reason, Message: msg, Count: count,
		Source:         corev1.EventSource{Component: "podd"},
		FirstTimestamp: metav1.NewTime(first), LastTimestamp: metav1.NewTime(last),
	}
}

func TestDescribeEventsTable(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 10, 0, 0, time.UTC)
	events := []corev1.Event{
		podEvent("web-sync", "1", "Warning", "BackOff", "Back-off restarting failed container web in pod web-sync", now.Add(-5*time.Minute), now.Add(-10*time.Second), 3),
		podEvent("web-sync", "1", "Normal", "Started", "Started container web", now.Add(-6*time.Minute), now.Add(-6*time.Minute), 1),
	}
	var buf bytes.Buffer
	if err := describePodEvents(&buf, describedPod(), events, now); err != nil {
		t.Fatal(err)
	}
	want := describedText + `Events:
  Type     Reason   Age               From  Message
  ----     ------   ----              ----  -------
  Normal   Started  6m                podd  Started container web
  Warning  BackOff  10s (x3 over 5m)  podd  Back-off restarting failed container web in pod web-sync
`
	if buf.String() != want {
		t.Errorf("got:\n%q\nwant:\n%q", buf.String()[len(describedText)-50:], want[len(describedText)-50:])
	}
	buf.Reset()
	if err := describePodEvents(&buf, describedPod(), []corev1.Event{}, now); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(buf.String(), "Events:          <none>\n") {
		t.Errorf("no events: got\n%s", buf.String())
	}
}

// TestDescribeFetchesThePodsEvents: podctl describe asks for the pod's own events only.
func TestDescribeFetchesThePodsEvents(t *testing.T) {
	b, sock := serveFake(t)
	p := describedPod()
	p.UID = "u-1"
	b.Pods["default/web-sync"] = p
	now := time.Now()
	b.EventList = []corev1.Event{
		podEvent("web-sync", "1", "Warning", "Evicted", `Usage of EmptyDir volume "data" exceeds the limit "1Mi".`, now, now, 1),
		podEvent("other", "2", "Normal", "Started", "Started container other", now, now, 1),
		podEvent("web-sync", "old", "Normal", "Started", "Started container of an earlier pod", now, now, 1),
	}
	out, errOut, code := podctl(t, sock, "", "describe", "pod", "web-sync")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Warning  Evicted  ") || !strings.Contains(out, `Usage of EmptyDir volume "data" exceeds the limit "1Mi".`) {
		t.Errorf("no Evicted event:\n%s", out)
	}
	if strings.Contains(out, "Started container") {
		t.Errorf("events of other pods shown:\n%s", out)
	}
}
