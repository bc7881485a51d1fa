package probe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
)

// GRPCCheck is the grpc handler: the kubelet's grpc prober, a grpc.health.v1.Health/Check call
// on the pod's IP, plain text, with the kubelet's outcome texts. The connection is made by podd
// from the pod's network namespace (as for tcpSocket), and the call is made on it directly
// (grpcwire.go): no grpc-go ClientConn per probe.
type GRPCCheck struct {
	sockets *Sockets
	port    int
	service string
	timeout time.Duration
	request atomic.Pointer[grpcRequest] // the last address's request bytes
}

// grpcRequest is the bytes of a Check sent to addr.
type grpcRequest struct {
	addr  netip.AddrPort
	bytes []byte
}

func (c *GRPCCheck) dialHost(t *Target) string { return t.host("") }

func (c *GRPCCheck) Check(ctx context.Context, t *Target) Result {
	start := time.Now()
	ctx, m := withMeter(ctx, start.Add(c.timeout))
	o, out := c.check(ctx, t)
	r := Result{Outcome: o, Output: out, Took: time.Since(start)}
	m.fill(&r)
	return r
}

func (c *GRPCCheck) check(ctx context.Context, t *Target) (Outcome, string) {
	addr, err := t.addr(ctx, "", c.port)
	if err != nil {
		return Failure, err.Error()
	}
	f, err := c.connect(ctx, t.NetNS, addr)
	if err != nil {
		return Failure, err.Error()
	}
	defer f.Close()
	status, err := c.call(ctx, f, addr)
	return c.outcome(status, err)
}

// outcome is the kubelet's verdict on a Check that answered status, or failed with err.
func (c *GRPCCheck) outcome(status int32, err error) (Outcome, string) {
	if err != nil {
		return Failure, rpcError(err, c.timeout)
	}
	if status != 1 { // SERVING
		return Failure, fmt.Sprintf("service unhealthy (responded with %q)", servingStatus(status))
	}
	return Success, "service healthy"
}

// requestFor is the Check's request to addr, made once per address.
func (c *GRPCCheck) requestFor(addr netip.AddrPort) []byte {
	req := c.request.Load()
	if req == nil || req.addr != addr {
		req = &grpcRequest{addr: addr, bytes: healthRequest(addr.String(), c.service, c.timeout)}
		c.request.Store(req)
	}
	return req.bytes
}

// readers are the buffered readers of the calls' connections.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4096) }}

// call makes the Check on f, until ctx's end.
func (c *GRPCCheck) call(ctx context.Context, f *os.File, addr netip.AddrPort) (int32, error) {
	if d, ok := deadlineOf(ctx); ok {
		_ = f.SetDeadline(d)
	}
	defer context.AfterFunc(ctx, func() { _ = f.SetDeadline(time.Unix(1, 0)) })() // cancelled: give up now
	if _, err := f.Write(c.requestFor(addr)); err != nil {
		if isTimeout(err) {
			return 0, &rpcStatus{codes.DeadlineExceeded, "context deadline exceeded"}
		}
		return 0, connError("transport: failed to write the request: " + err.Error())
	}
	Blocking(ctx) // the server has to answer
	br := readers.Get().(*bufio.Reader)
	br.Reset(f)
	defer func() { br.Reset(nil); readers.Put(br) }()
	return readHealth(br, f)
}

// connect dials addr from ns, with the kubelet's texts for a connection that failed or timed out.
func (c *GRPCCheck) connect(ctx context.Context, ns *os.File, addr netip.AddrPort) (*os.File, error) {
	f, err := c.sockets.dial(ctx, ns, addr)
	if err != nil {
		return nil, c.connectError(addr, err)
	}
	return f, nil
}

func (c *GRPCCheck) connectError(addr netip.AddrPort, err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("timeout: failed to connect service %q within %v: %+v", addr, c.timeout, err)
	}
	return fmt.Errorf("error: failed to connect service at %q: %+v", addr, err)
}

func rpcError(err error, timeout time.Duration) string {
	var st *rpcStatus
	if errors.As(err, &st) {
		switch st.code {
		case codes.Unimplemented:
			return "error: this server does not implement the grpc health protocol (grpc.health.v1.Health): " + st.msg
		case codes.DeadlineExceeded:
			return "timeout: health rpc did not complete within " + timeout.String()
		}
	}
	return fmt.Sprintf("error: health rpc probe failed: %+v", err)
}
