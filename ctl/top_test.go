package ctl

import (
	"bytes"
	"testing"
	"time"

	"github.com/podd/podd/podopts"
)

func TestTopRowsAndTable(t *testing.T) {
	t0 := time.Unix(100, 0)
	sample := func(at time.Time, web, side, db uint64) *podopts.UsageList {
		return &podopts.UsageList{Time: at, Pods: []podopts.PodUsage{
			{Namespace: "default", Name: "db", Containers: []podopts.ContainerUsage{{Name: "db", CPUUsec: db, WorkingSet: 300 << 20}}},
			{Namespace: "default", Name: "web", Containers: []podopts.ContainerUsage{
				{Name: "web", CPUUsec: web, WorkingSet: 5 << 20}, {Name: "side", CPUUsec: side, WorkingSet: 1 << 20}}},
		}}
	}
	// 500 ms: web used 250 ms of CPU (500m), side 5 ms (10m), db restarted (counter lower: 0m).
	rows := topRows(sample(t0, 1000, 1000, 900000), sample(t0.Add(500*time.Millisecond), 251000, 6000, 10))
	var b bytes.Buffer
	printTop(&b, rows, false, false)
	want := "NAME   CPU(cores)   MEMORY(bytes)   \ndb     0m           300Mi           \nweb    510m         6Mi             \n"
	if b.String() != want {
		t.Fatalf("pods:\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	printTop(&b, onlyPod(rows, "web"), true, true)
	want = "NAMESPACE   POD   NAME   CPU(cores)   MEMORY(bytes)   \ndefault     web   web    500m         5Mi             \ndefault     web   side   10m          1Mi             \n"
	if b.String() != want {
		t.Fatalf("containers:\n%q\nwant\n%q", b.String(), want)
	}
}
