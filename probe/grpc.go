package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// GRPCCheck is the grpc handler: the kubelet's grpc prober, a grpc.health.v1.Health/Check call
// on the pod's IP, plain text, with the kubelet's outcome texts. The connection is made by podd
// from the pod's network namespace (as for tcpSocket), then handed to gRPC.
type GRPCCheck struct {
	sockets *Sockets
	port    int
	service string
	timeout time.Duration
}

func (c *GRPCCheck) Check(ctx context.Context, t *Target) Result {
	start := time.Now()
	ctx, m := withMeter(ctx, time.Time{})
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	o, out := c.check(ctx, t)
	r := Result{Outcome: o, Output: out, Took: time.Since(start)}
	m.fill(&r, c.sockets.kernel)
	return r
}

func (c *GRPCCheck) check(ctx context.Context, t *Target) (Outcome, string) {
	Blocking(ctx) // a call waits for the server
	addr, err := t.addr(ctx, "", c.port)
	if err != nil {
		return Failure, err.Error()
	}
	conn, err := c.connect(ctx, t.NetNS, addr)
	if err != nil {
		return Failure, err.Error()
	}
	client, err := grpc.NewClient("passthrough:///"+addr.String(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithUserAgent(UserAgent),
		grpc.WithContextDialer(handOver(conn)))
	if err != nil {
		conn.Close()
		return Failure, fmt.Sprintf("error: failed to connect service at %q: %+v", addr, err)
	}
	defer client.Close()
	resp, err := healthpb.NewHealthClient(client).Check(ctx, &healthpb.HealthCheckRequest{Service: c.service})
	if err != nil {
		return Failure, rpcError(err, c.timeout)
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return Failure, fmt.Sprintf("service unhealthy (responded with %q)", resp.GetStatus().String())
	}
	return Success, "service healthy"
}

// connect dials addr from ns, with the kubelet's texts for a connection that failed or timed out.
func (c *GRPCCheck) connect(ctx context.Context, ns *os.File, addr netip.AddrPort) (net.Conn, error) {
	f, err := c.sockets.dial(ctx, ns, addr)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, fmt.Errorf("timeout: failed to connect service %q within %v: %+v", addr, c.timeout, err)
	}
	if err != nil {
		return nil, fmt.Errorf("error: failed to connect service at %q: %+v", addr, err)
	}
	defer f.Close()
	conn, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("error: failed to connect service at %q: %+v", addr, err)
	}
	return conn, nil
}

// handOver is a dialer that returns conn once: gRPC reconnecting after that fails the call.
func handOver(conn net.Conn) func(context.Context, string) (net.Conn, error) {
	var once sync.Once
	return func(context.Context, string) (net.Conn, error) {
		var c net.Conn
		once.Do(func() { c = conn })
		if c == nil {
			return nil, errors.New("connection already used")
		}
		return c, nil
	}
}

func rpcError(err error, timeout time.Duration) string {
	if st, ok := status.FromError(err); ok {
		switch st.Code() {
		case codes.Unimplemented:
			return "error: this server does not implement the grpc health protocol (grpc.health.v1.Health): " + st.Message()
		case codes.DeadlineExceeded:
			return "timeout: health rpc did not complete within " + timeout.String()
		}
	}
	return fmt.Sprintf("error: health rpc probe failed: %+v", err)
}
