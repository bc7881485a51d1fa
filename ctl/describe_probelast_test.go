package ctl

import (
	"bytes"
	"testing"
	"time"

	"github.com/podd/podd/podopts"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestDescribeProbeLast: under each probe line, its last result, age, total and connect times.
func TestDescribeProbeLast(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 10, 0, time.UTC)
	c := corev1.Container{Name: "web",
		LivenessProbe:  &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt(80)}}},
		ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromInt(80), Scheme: corev1.URISchemeHTTP}}},
		StartupProbe:   &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}}
	probes := &podopts.PodProbes{Containers: []podopts.ContainerProbes{{Name: "web", Probes: []podopts.ProbeResult{
		{Kind: "Liveness", Outcome: "success", Time: now.Add(-2 * time.Second), Took: 1234 * time.Microsecond,
			Connect: 500 * time.Microsecond, KernelConnect: 400 * time.Microsecond},
		{Kind: "Readiness", Outcome: "failure", Output: "HTTP probe failed with statuscode: 404\nmore", Time: now.Add(-time.Second),
			Took: 1500 * time.Millisecond, Connect: 50 * time.Microsecond},
	}}}}
	var buf bytes.Buffer
	describeProbes(describer{w: &buf, probes: probesByContainer(probes), now: now}, c)
	want := "    Liveness:\ttcp-socket :80 delay=0s timeout=0s period=0s #success=0 #failure=0\n" +
		"      Last:\tsuccess 2s ago, took 1.2ms (connect 0.4ms kernel, 0.5ms podd)\n" +
		"    Readiness:\thttp-get http://:80/ delay=0s timeout=0s period=0s #success=0 #failure=0\n" +
		"      Last:\tfailure 1s ago, took 1.5s (connect 50µs): HTTP probe failed with statuscode: 404\n" +
		"    Startup:\texec [true] delay=0s timeout=0s period=0s #success=0 #failure=0\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
