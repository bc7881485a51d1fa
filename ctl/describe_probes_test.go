package ctl

import (
	"bytes"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestDescribeProbes(t *testing.T) {
	probe := func(h corev1.ProbeHandler) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: h, TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3}
	}
	c := corev1.Container{
		LivenessProbe:  probe(corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(8080), Scheme: "HTTP"}}),
		ReadinessProbe: probe(corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("web")}}),
		StartupProbe:   probe(corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"cat", "/ready"}}}),
	}
	c.StartupProbe.InitialDelaySeconds, c.StartupProbe.FailureThreshold = 5, 30
	var buf bytes.Buffer
	describeProbes(describer{w: &buf}, c)
	want := "    Liveness:\thttp-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3\n" +
		"    Readiness:\ttcp-socket :web delay=0s timeout=1s period=10s #success=1 #failure=3\n" +
		"    Startup:\texec [cat /ready] delay=5s timeout=1s period=10s #success=1 #failure=30\n"
	if buf.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", buf.String(), want)
	}
}
