package probe

import (
	"bytes"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/podd/podd/internal/testutil"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// dribbleServer answers a Check (SERVING) one byte at a time, a millisecond apart, after
// reading the request: the probe reads and parses the answer in pieces.
func dribbleServer(t *testing.T) int {
	t.Helper()
	var b, block bytes.Buffer
	fr := http2.NewFramer(&b, nil)
	_ = fr.WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 100})
	enc := hpack.NewEncoder(&block)
	_ = enc.WriteField(hpack.HeaderField{Name: ":status", Value: "200"})
	_ = enc.WriteField(hpack.HeaderField{Name: "content-type", Value: "application/grpc"})
	_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block.Bytes(), EndHeaders: true})
	_ = fr.WriteData(1, false, []byte{0, 0, 0, 0, 2, 0x08, 1})
	block.Reset()
	_ = enc.WriteField(hpack.HeaderField{Name: "grpc-status", Value: "0"})
	_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block.Bytes(), EndHeaders: true, EndStream: true})
	answer := b.Bytes()
	return serveTCP(t, func(c net.Conn) {
		defer c.Close()
		c.Read(make([]byte, 4096))
		for i := range answer {
			if _, err := c.Write(answer[i : i+1]); err != nil {
				return
			}
			time.Sleep(time.Millisecond)
		}
		c.Read(make([]byte, 64)) // the SETTINGS ack
	})
}

// silentServer accepts connections and never answers.
func silentServer(t *testing.T) int {
	return serveTCP(t, func(c net.Conn) { t.Cleanup(func() { c.Close() }) })
}

// serveTCP hands each connection to a loopback port to serve, and returns the port.
func serveTCP(t *testing.T, serve func(net.Conn)) int {
	return testutil.ServeEach(t, serve).Addr().(*net.TCPAddr).Port
}

// TestNetLoopGRPCReadsAsTheChecker: grpc probes run on the scheduler's epoll set say what the
// Checker says (grpc_test.go and grpcwire_test.go hold its texts) of every kind of server: the
// health server's statuses, no health service, a closed port, HTTP/2 servers that are not
// grpc-go's, an HTTP/1.1 one, one that closes, one answering a byte at a time, and one that
// never answers (the timeout).
func TestNetLoopGRPCReadsAsTheChecker(t *testing.T) {
	port, hs := grpcServer(t, true)
	hs.SetServingStatus("db", healthpb.HealthCheckResponse_NOT_SERVING)
	bare, _ := grpcServer(t, false)
	notFound := func(w http.ResponseWriter, r *http.Request) { http.Error(w, "nope", 404) }
	trailersOnly := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/grpc")
		w.Header().Set("Grpc-Status", "5")
		w.WriteHeader(200)
	}
	closing := h2cServer(t, true, func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) })
	cases := []struct {
		name    string
		port    int
		service string
		want    Outcome
	}{
		{"serving", port, "", Success},
		{"not serving", port, "db", Failure},
		{"unknown service", port, "nope", Failure},
		{"no health service", bare, "", Failure},
		{"closed port", closedPort(t), "", Failure},
		{"http/2 404", h2cServer(t, false, notFound), "", Failure},
		{"trailers only", h2cServer(t, false, trailersOnly), "", Failure},
		{"http/1.1", h2cServer(t, true, notFound), "", Failure},
		{"closes", closing, "", Failure},
		{"a byte at a time", dribbleServer(t), "", Success},
		{"silent", silentServer(t), "", Failure},
	}
	l := newLoopRun(t)
	for _, tc := range cases {
		l.start(grpcProbe(tc.port, tc.service).ProbeHandler)
	}
	got := l.round()
	for i, tc := range cases {
		want := check(t, grpcProbe(tc.port, tc.service), &Target{PodIP: "127.0.0.1"})
		if got[i].Outcome != tc.want || got[i].Outcome != want.Outcome || got[i].Output != want.Output {
			t.Errorf("%s: %v %q, the Checker: %v %q (want %v)", tc.name, got[i].Outcome, got[i].Output, want.Outcome, want.Output, tc.want)
		}
	}
	if took := got[len(got)-1].Took; took < 900*time.Millisecond || took > 1500*time.Millisecond {
		t.Errorf("the silent server's probe took %v, want its timeout (1 s)", took)
	}
}

// TestNetLoopGRPCRunsOnTheLoop: a grpc probe to an IP address runs as a netOp (no goroutine of
// its own), one to a host name as a Checker.
func TestNetLoopGRPCRunsOnTheLoop(t *testing.T) {
	c := testDialer.Checker(grpcProbe(1234, ""), &Target{PodIP: "127.0.0.1"})
	a, ok := c.(asyncCheck)
	if !ok {
		t.Fatalf("%T is not an asyncCheck", c)
	}
	if op := a.newOp(&Target{PodIP: "127.0.0.1"}); op == nil || op.grpc == nil || len(op.req) == 0 {
		t.Errorf("a grpc probe to 127.0.0.1: no netOp (%+v)", op)
	} else {
		op.drop()
	}
	if op := a.newOp(&Target{PodIP: "pod.example"}); op != nil {
		t.Errorf("a grpc probe to a host name ran as a netOp")
	}
}

// TestNetLoopGRPCBoundsItsParsing: a server that answers with frame after frame and never ends
// the call (PINGs, a millisecond apart) gets its answer parsed grpcMaxParses times at most:
// the probe fails then, saying why, long before its timeout (10 s).
func TestNetLoopGRPCBoundsItsParsing(t *testing.T) {
	port := serveTCP(t, func(c net.Conn) {
		defer c.Close()
		c.Read(make([]byte, 4096))
		fr := http2.NewFramer(c, nil)
		if fr.WriteSettings() != nil {
			return
		}
		for range 10000 {
			if fr.WritePing(false, [8]byte{}) != nil {
				return
			}
			time.Sleep(time.Millisecond)
		}
	})
	l := newLoopRun(t)
	l.start(grpcProbe(port, "").ProbeHandler, 10)
	r := l.round()[0]
	want := `error: health rpc probe failed: rpc error: code = Unavailable desc = connection error: desc = "error reading from server: the answer came in more frames than a probe reads"`
	if r.Outcome != Failure || r.Output != want {
		t.Errorf("%v %q, want %q", r.Outcome, r.Output, want)
	}
	if r.Took > 5*time.Second {
		t.Errorf("took %v: the probe waited for its timeout", r.Took)
	}
}
