package ctl

import (
	"bytes"
	"testing"
	"time"

	"github.com/podd/podd/podopts"
)

func TestPrintInfo(t *testing.T) {
	var b bytes.Buffer
	printInfo(&b, &podopts.Info{Version: "(devel) go1.26", CgroupMode: "v2", CgroupMount: "/sys/fs/cgroup",
		Controllers: []string{"cpu", "memory"}, Watchers: []podopts.Watcher{
			{Name: "oom-watch", Mechanism: "memory.events", Fallback: "no kernel BTF"},
			{Name: "probe-latency", Mechanism: "user-space timing"}},
		OOMReportLatency: &podopts.Latency{Count: 3, P50: 150 * time.Microsecond, P99: 2 * time.Millisecond, Max: 2 * time.Millisecond}})
	want := `version: (devel) go1.26
cgroup: v2 (/sys/fs/cgroup), pod controllers: cpu memory
oom-watch: memory.events (fallback: no kernel BTF)
probe-latency: user-space timing
oom-report-latency: 3 kills, p50 150µs, p99 2ms, max 2ms
`
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}
