package manifest

import (
	"strings"
	"testing"
)

func TestDecodeProbes(t *testing.T) {
	pods, err := Decode([]byte(podYAML("  containers:\n  - name: web\n    image: /rootfs\n" +
		"    ports:\n    - name: http\n      containerPort: 8080\n" +
		"    livenessProbe:\n      httpGet:\n        path: /healthz\n        port: http\n        httpHeaders:\n        - name: X-A\n          value: b\n" +
		"    readinessProbe:\n      tcpSocket:\n        port: 8080\n      successThreshold: 2\n" +
		"    startupProbe:\n      exec:\n        command: [cat, /ready]\n      failureThreshold: 30\n      terminationGracePeriodSeconds: 5\n")))
	if err != nil {
		t.Fatal(err)
	}
	c := pods[0].Spec.Containers[0]
	l := c.LivenessProbe
	if l.PeriodSeconds != 10 || l.TimeoutSeconds != 1 || l.FailureThreshold != 3 || l.SuccessThreshold != 1 ||
		l.HTTPGet.Scheme != "HTTP" || l.HTTPGet.Port.StrVal != "http" {
		t.Fatalf("liveness probe with defaults: %+v %+v", l, l.HTTPGet)
	}
	if c.ReadinessProbe.SuccessThreshold != 2 || c.StartupProbe.FailureThreshold != 30 {
		t.Fatalf("set values: readiness %+v startup %+v", c.ReadinessProbe, c.StartupProbe)
	}
}

func TestDecodeProbeErrors(t *testing.T) {
	for _, tc := range []struct{ probe, want string }{
		{"    livenessProbe:\n      tcpSocket:\n        port: 80\n      successThreshold: 2\n",
			`spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1`},
		{"    readinessProbe:\n      periodSeconds: 5\n",
			`spec.containers[0].readinessProbe: Required value: must specify a handler type`},
		{"    livenessProbe:\n      grpc:\n        port: 0\n",
			`spec.containers[0].livenessProbe.grpc.port: Invalid value: 0: must be between 1 and 65535, inclusive`},
		{"    livenessProbe:\n      grpc:\n        port: 9000\n      tcpSocket:\n        port: 80\n",
			`spec.containers[0].livenessProbe.grpc: Forbidden: may not specify more than 1 handler type`},
	} {
		_, err := Decode([]byte(podYAML("  containers:\n  - name: web\n    image: /rootfs\n" + tc.probe)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
}
