package probe

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func TestValidate(t *testing.T) {
	grace := int64(0)
	http := func(g corev1.HTTPGetAction) *corev1.Probe {
		p := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &g}}
		SetDefaults(p)
		return p
	}
	for _, tc := range []struct {
		name  string
		kind  Kind
		probe *corev1.Probe
		want  string // "" for valid
	}{
		{"nil", Liveness, nil, ""},
		{"tcp", Liveness, tcpProbe(nil), ""},
		{"named port", Readiness, http(corev1.HTTPGetAction{Port: intstr.FromString("http")}), ""},
		{"liveness successThreshold", Liveness, tcpProbe(func(p *corev1.Probe) { p.SuccessThreshold = 2 }),
			"p.livenessProbe.successThreshold: Invalid value: 2: must be 1"},
		{"startup successThreshold", Startup, tcpProbe(func(p *corev1.Probe) { p.SuccessThreshold = 3 }),
			"p.startupProbe.successThreshold: Invalid value: 3: must be 1"},
		{"readiness successThreshold 3 is fine", Readiness, tcpProbe(func(p *corev1.Probe) { p.SuccessThreshold = 3 }), ""},
		{"readiness grace", Readiness, tcpProbe(func(p *corev1.Probe) { g := int64(5); p.TerminationGracePeriodSeconds = &g }),
			"p.readinessProbe.terminationGracePeriodSeconds: Invalid value: 5: must not be set for readinessProbes"},
		{"grace 0", Liveness, tcpProbe(func(p *corev1.Probe) { p.TerminationGracePeriodSeconds = &grace }),
			"p.livenessProbe.terminationGracePeriodSeconds: Invalid value: 0: must be greater than 0"},
		{"negative period", Liveness, tcpProbe(func(p *corev1.Probe) { p.PeriodSeconds = -1 }),
			"p.livenessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0"},
		{"no handler", Liveness, &corev1.Probe{SuccessThreshold: 1}, "p.livenessProbe: Required value: must specify a handler type"},
		{"two handlers", Liveness, &corev1.Probe{SuccessThreshold: 1, ProbeHandler: corev1.ProbeHandler{
			Exec: &corev1.ExecAction{Command: []string{"true"}}, TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(1)}}},
			"p.livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"},
		{"exec without command", Liveness, &corev1.Probe{SuccessThreshold: 1, ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{}}},
			"p.livenessProbe.exec.command: Required value"},
		{"port 0", Liveness, tcpProbe(func(p *corev1.Probe) { p.TCPSocket.Port = intstr.FromInt32(0) }),
			"p.livenessProbe.tcpSocket.port: Invalid value: 0: must be between 1 and 65535, inclusive"},
		{"bad port name", Liveness, tcpProbe(func(p *corev1.Probe) { p.TCPSocket.Port = intstr.FromString("-x") }),
			"p.livenessProbe.tcpSocket.port: Invalid value: \"-x\""},
		{"scheme", Liveness, http(corev1.HTTPGetAction{Port: intstr.FromInt32(80), Scheme: "FTP"}),
			"p.livenessProbe.httpGet.scheme: Unsupported value: \"FTP\": supported values: \"HTTP\", \"HTTPS\""},
		{"header name", Liveness, http(corev1.HTTPGetAction{Port: intstr.FromInt32(80), HTTPHeaders: []corev1.HTTPHeader{{Name: "a b"}}}),
			"p.livenessProbe.httpGet.httpHeaders: Invalid value: \"a b\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := Validate(tc.kind, tc.probe, field.NewPath("p").Child(tc.kind.Field()))
			got := errs.ToAggregate()
			switch {
			case tc.want == "" && got != nil:
				t.Fatalf("unexpected: %v", got)
			case tc.want != "" && (got == nil || !strings.Contains(got.Error(), tc.want)):
				t.Fatalf("got %v, want %q", got, tc.want)
			}
		})
	}
}
