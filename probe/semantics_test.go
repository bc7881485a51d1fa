package probe

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func tcpProbe(mod func(*corev1.Probe)) *corev1.Probe {
	p := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(80)}}}
	SetDefaults(p)
	if mod != nil {
		mod(p)
	}
	return p
}

func TestDefaults(t *testing.T) {
	p := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(80)}}}
	SetDefaults(p)
	if p.TimeoutSeconds != 1 || p.PeriodSeconds != 10 || p.SuccessThreshold != 1 || p.FailureThreshold != 3 || p.InitialDelaySeconds != 0 {
		t.Fatalf("defaults: %+v", p)
	}
	if p.HTTPGet.Path != "/" || p.HTTPGet.Scheme != corev1.URISchemeHTTP {
		t.Fatalf("httpGet defaults: %+v", p.HTTPGet)
	}
	q := tcpProbe(func(p *corev1.Probe) { p.PeriodSeconds = 3 })
	SetDefaults(q)
	if q.PeriodSeconds != 3 {
		t.Fatalf("a set period was changed: %d", q.PeriodSeconds)
	}
}

// step is one probe result and what the container must look like after it.
type step struct {
	kind           Kind
	out            Outcome
	ready, started bool
	restart        bool
	event          string // the event's message, "" for none
}

func TestSemantics(t *testing.T) {
	ok, fail := Success, Failure
	for _, tc := range []struct {
		name  string
		ctr   corev1.Container
		ready bool // before any result
		steps []step
	}{
		{"no probes: ready and started", corev1.Container{Name: "c"}, true, nil},
		{"readiness: not ready until the first success, then failureThreshold failures",
			corev1.Container{Name: "c", ReadinessProbe: tcpProbe(nil)}, false, []step{
				{Readiness, fail, false, true, false, "Readiness probe failed: out"},
				{Readiness, ok, true, true, false, ""},
				{Readiness, fail, true, true, false, "Readiness probe failed: out"},
				{Readiness, fail, true, true, false, "Readiness probe failed: out"},
				{Readiness, fail, false, true, false, "Readiness probe failed: out"},
				{Readiness, fail, false, true, false, "Readiness probe failed: out"},
			}},
		{"readiness successThreshold 2",
			corev1.Container{Name: "c", ReadinessProbe: tcpProbe(func(p *corev1.Probe) { p.SuccessThreshold = 2 })}, false, []step{
				{Readiness, ok, false, true, false, ""},
				{Readiness, fail, false, true, false, "Readiness probe failed: out"},
				{Readiness, ok, false, true, false, ""},
				{Readiness, ok, true, true, false, ""},
			}},
		{"liveness restarts at failureThreshold, a success in between resets the count",
			corev1.Container{Name: "c", LivenessProbe: tcpProbe(nil)}, true, []step{
				{Liveness, fail, true, true, false, "Liveness probe failed: out"},
				{Liveness, fail, true, true, false, "Liveness probe failed: out"},
				{Liveness, ok, true, true, false, ""},
				{Liveness, fail, true, true, false, "Liveness probe failed: out"},
				{Liveness, fail, true, true, false, "Liveness probe failed: out"},
				{Liveness, fail, true, true, true, "Liveness probe failed: out"},
			}},
		{"unknown is reported and thrown away",
			corev1.Container{Name: "c", LivenessProbe: tcpProbe(func(p *corev1.Probe) { p.FailureThreshold = 1 })}, true, []step{
				{Liveness, Unknown, true, true, false, "Liveness probe errored: out"},
				{Liveness, fail, true, true, true, "Liveness probe failed: out"},
			}},
		{"warning is a success",
			corev1.Container{Name: "c", ReadinessProbe: tcpProbe(nil)}, false, []step{
				{Readiness, Warning, true, true, false, "Readiness probe warning: out"},
			}},
		{"startup gates: not started nor ready until it succeeds",
			corev1.Container{Name: "c", StartupProbe: tcpProbe(nil), ReadinessProbe: tcpProbe(nil)}, false, []step{
				{Startup, fail, false, false, false, "Startup probe failed: out"},
				{Startup, ok, false, true, false, ""},
				{Readiness, ok, true, true, false, ""},
			}},
		{"startup without readiness: ready once started",
			corev1.Container{Name: "c", StartupProbe: tcpProbe(nil)}, false, []step{
				{Startup, ok, true, true, false, ""},
			}},
		{"startup failing failureThreshold times restarts",
			corev1.Container{Name: "c", StartupProbe: tcpProbe(func(p *corev1.Probe) { p.FailureThreshold = 2 })}, false, []step{
				{Startup, fail, false, false, false, "Startup probe failed: out"},
				{Startup, fail, false, false, true, "Startup probe failed: out"},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewContainer(&tc.ctr, time.Unix(0, 0))
			if c.Ready() != tc.ready {
				t.Fatalf("initially ready=%v, want %v", c.Ready(), tc.ready)
			}
			for i, s := range tc.steps {
				d := c.Record(s.kind, Result{Outcome: s.out, Output: "out"})
				msg := ""
				if d.Event != nil {
					msg = d.Event.Message
				}
				if c.Ready() != s.ready || c.Started() != s.started || d.Restart != s.restart || msg != s.event {
					t.Fatalf("step %d (%v %v): ready=%v started=%v restart=%v event=%q, want %v %v %v %q",
						i, s.kind, s.out, c.Ready(), c.Started(), d.Restart, msg, s.ready, s.started, s.restart, s.event)
				}
			}
		})
	}
}

func TestKillingEventAndHold(t *testing.T) {
	ctr := corev1.Container{Name: "web", LivenessProbe: tcpProbe(func(p *corev1.Probe) { p.FailureThreshold = 1 })}
	c := NewContainer(&ctr, time.Unix(0, 0))
	d := c.Record(Liveness, Result{Outcome: Failure, Output: "HTTP probe failed with statuscode: 404"})
	if !d.Restart || d.Killing.Message != "Container web failed liveness probe, will be restarted" || d.Killing.Reason != "Killing" ||
		d.Event.Message != "Liveness probe failed: HTTP probe failed with statuscode: 404" || d.Event.Reason != "Unhealthy" {
		t.Fatalf("decision %+v event %+v", d, d.Event)
	}
	if c.Due(Liveness, time.Unix(100, 0)) {
		t.Fatal("a liveness probe that asked for a restart must hold until the next run")
	}
}

func TestDue(t *testing.T) {
	start := time.Unix(1000, 0)
	ctr := corev1.Container{Name: "c",
		StartupProbe:   tcpProbe(nil),
		LivenessProbe:  tcpProbe(func(p *corev1.Probe) { p.InitialDelaySeconds = 5 }),
		ReadinessProbe: tcpProbe(nil)}
	c := NewContainer(&ctr, start)
	at := func(s float64) time.Time { return start.Add(time.Duration(s * float64(time.Second))) }
	if !c.Due(Startup, at(0)) || c.Due(Liveness, at(10)) || c.Due(Readiness, at(10)) {
		t.Fatal("before started: only the startup probe runs")
	}
	c.Record(Startup, Result{Outcome: Success})
	if c.Due(Startup, at(10)) || !c.Due(Readiness, at(0)) {
		t.Fatal("once started: no startup probe, readiness runs")
	}
	if c.Due(Liveness, at(4.9)) || !c.Due(Liveness, at(5)) {
		t.Fatal("liveness waits initialDelaySeconds, counted in whole seconds")
	}
	if (&Container{}).Due(Liveness, at(0)) {
		t.Fatal("a probe the container does not have is never due")
	}
}
