package probe

import (
	"fmt"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	corev1 "k8s.io/api/core/v1"
)

// grpcServer serves grpc.health.v1 on loopback (when withHealth) and returns its port and the
// health server to set statuses on.
func grpcServer(t *testing.T, withHealth bool) (int, *health.Server) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	hs := health.NewServer()
	if withHealth {
		healthpb.RegisterHealthServer(s, hs)
	}
	go s.Serve(l)
	t.Cleanup(s.Stop)
	return l.Addr().(*net.TCPAddr).Port, hs
}

func grpcProbe(port int, service string) *corev1.Probe {
	a := &corev1.GRPCAction{Port: int32(port)}
	if service != "" {
		a.Service = &service
	}
	return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{GRPC: a}}
}

func TestGRPCCheck(t *testing.T) {
	port, hs := grpcServer(t, true)
	target := &Target{PodIP: "127.0.0.1"}
	hs.SetServingStatus("db", healthpb.HealthCheckResponse_NOT_SERVING)
	for _, tc := range []struct {
		service string
		want    Outcome
		output  string
	}{
		{"", Success, "service healthy"},
		{"db", Failure, `service unhealthy (responded with "NOT_SERVING")`},
		{"nope", Failure, "error: health rpc probe failed: rpc error: code = NotFound desc = unknown service"},
	} {
		r := check(t, grpcProbe(port, tc.service), target)
		if r.Outcome != tc.want || r.Output != tc.output {
			t.Errorf("service %q: %v %q, want %v %q", tc.service, r.Outcome, r.Output, tc.want, tc.output)
		}
	}
	hs.SetServingStatus("db", healthpb.HealthCheckResponse_SERVING)
	if r := check(t, grpcProbe(port, "db"), target); r.Outcome != Success {
		t.Errorf("service db serving: %v %q", r.Outcome, r.Output)
	}
}

func TestGRPCCheckFailures(t *testing.T) {
	port, _ := grpcServer(t, false)
	target := &Target{PodIP: "127.0.0.1"}
	r := check(t, grpcProbe(port, ""), target)
	want := "error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unknown service grpc.health.v1.Health"
	if r.Outcome != Failure || r.Output != want {
		t.Errorf("no health service: %v %q, want %q", r.Outcome, r.Output, want)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().(*net.TCPAddr).Port
	l.Close()
	r = check(t, grpcProbe(closed, ""), target)
	want = fmt.Sprintf(`error: failed to connect service at "127.0.0.1:%d": dial tcp 127.0.0.1:%d: connect: connection refused`, closed, closed)
	if r.Outcome != Failure || r.Output != want {
		t.Errorf("closed port: %v %q, want %q", r.Outcome, r.Output, want)
	}
}

func TestGRPCCheckTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() { // accepts and never answers
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	r := check(t, grpcProbe(l.Addr().(*net.TCPAddr).Port, ""), &Target{PodIP: "127.0.0.1"})
	if want := "timeout: health rpc did not complete within 1s"; r.Outcome != Failure || r.Output != want {
		t.Errorf("%v %q, want %q", r.Outcome, r.Output, want)
	}
	if r.Took < 900*time.Millisecond || r.Took > 1500*time.Millisecond {
		t.Errorf("took %v, want timeoutSeconds 1", r.Took)
	}
}
