package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/podd/podd/podopts"
	corev1 "k8s.io/api/core/v1"
)

type fakeSource struct{}

func (fakeSource) Usage(string) podopts.UsageList {
	return podopts.UsageList{Time: time.Now(), Pods: []podopts.PodUsage{{Namespace: "default", Name: "web",
		Containers: []podopts.ContainerUsage{{Name: "app", CPUUsec: 2500000, WorkingSet: 4096}}}}}
}

func (fakeSource) List(string) ([]corev1.Pod, error) {
	p := corev1.Pod{}
	p.Namespace, p.Name = "default", "web"
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", RestartCount: 3}}
	return []corev1.Pod{p}, nil
}

func TestScrape(t *testing.T) {
	m := New(fakeSource{})
	m.OOMKilled("default", "web", "app")
	m.ProbeResult("Liveness", "success", 2*time.Millisecond)
	m.ProbeResult("Liveness", "failure", time.Second)
	m.ProbeConnect("Liveness", 400*time.Microsecond)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`container_cpu_usage_seconds_total{container="app",namespace="default",pod="web"} 2.5`,
		`container_memory_working_set_bytes{container="app",namespace="default",pod="web"} 4096`,
		`podd_container_restarts_total{container="app",namespace="default",pod="web"} 3`,
		`podd_container_oom_kills_total{container="app",namespace="default",pod="web"} 1`,
		`podd_probe_total{probe_type="liveness",result="success"} 1`,
		`podd_probe_total{probe_type="liveness",result="failure"} 1`,
		`podd_probe_duration_seconds_count{probe_type="liveness",stage="total"} 2`,
		`podd_probe_duration_seconds_count{probe_type="liveness",stage="connect"} 1`,
		`process_resident_memory_bytes `,
		`go_goroutines `,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
}
