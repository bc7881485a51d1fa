package probe

import (
	"net"
	"net/http"
	"testing"
)

// TestGRPCCheckAllocs: a grpc probe makes its one call itself, not through a grpc-go
// ClientConn per probe (626 allocations a probe). The server runs in another process, so
// that only the prober's allocations count.
func TestGRPCCheckAllocs(t *testing.T) {
	port := startHelperServer(t, "grpc")
	target := &Target{PodIP: "127.0.0.1"}
	p := grpcProbe(port, "")
	SetDefaults(p)
	c := testDialer.Checker(p, target)
	allocs := testing.AllocsPerRun(20, func() {
		if r := c.Check(t.Context(), target); r.Outcome != Success {
			t.Fatalf("%v %q", r.Outcome, r.Output)
		}
	})
	if allocs > 100 {
		t.Errorf("%v allocations a grpc probe, want at most 100", allocs)
	}
}

// h2cServer serves handler over cleartext HTTP/2 (and HTTP/1.1 when http1) on loopback.
func h2cServer(t *testing.T, http1 bool, handler http.HandlerFunc) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &http.Server{Handler: handler, Protocols: new(http.Protocols)}
	s.Protocols.SetUnencryptedHTTP2(!http1)
	s.Protocols.SetHTTP1(http1)
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

// TestGRPCCheckOtherServers: what a grpc probe says of servers that are not grpc-go's health
// server, as grpc-go's client (the kubelet's) says it.
func TestGRPCCheckOtherServers(t *testing.T) {
	target := &Target{PodIP: "127.0.0.1"}
	serving := func(w http.ResponseWriter, r *http.Request) { // the standard library's HTTP/2, as tests/testapp
		w.Header().Set("Content-Type", "application/grpc")
		w.Header().Set("Trailer", "Grpc-Status")
		w.Write([]byte{0, 0, 0, 0, 2, 0x08, 2}) // NOT_SERVING
		w.Header().Set("Grpc-Status", "0")
	}
	trailersOnly := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/grpc")
		w.Header().Set("Grpc-Status", "5")
		w.Header().Set("Grpc-Message", "no%20such service%3A x")
		w.WriteHeader(200)
	}
	notFound := func(w http.ResponseWriter, r *http.Request) { http.Error(w, "nope", 404) }
	closing, err := net.Listen("tcp", "127.0.0.1:0") // reads the request and closes
	if err != nil {
		t.Fatal(err)
	}
	defer closing.Close()
	go func() {
		for {
			c, err := closing.Accept()
			if err != nil {
				return
			}
			c.Read(make([]byte, 4096))
			c.Close()
		}
	}()
	for _, tc := range []struct {
		name string
		port int
		want string
	}{
		{"stdlib h2c", h2cServer(t, false, serving), `service unhealthy (responded with "NOT_SERVING")`},
		{"trailers only", h2cServer(t, false, trailersOnly), "error: health rpc probe failed: rpc error: code = NotFound desc = no such service: x"},
		{"http/2 404", h2cServer(t, false, notFound), `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unexpected HTTP status code received from server: 404 (Not Found); transport: received unexpected content-type "text/plain; charset=utf-8"` + "\ndata: \"nope\\n\""},
		{"http/1.1", h2cServer(t, true, notFound), "error: health rpc probe failed: rpc error: code = Unavailable desc = connection error: desc = \"error reading server preface: http2: failed reading the frame payload: http2: frame too large, note that the frame header looked like an HTTP/1.1 header\""},
		{"closes", closing.Addr().(*net.TCPAddr).Port, "error: health rpc probe failed: rpc error: code = Unavailable desc = connection error: desc = \"error reading server preface: EOF\""},
	} {
		r := check(t, grpcProbe(tc.port, ""), target)
		if r.Outcome != Failure || r.Output != tc.want {
			t.Errorf("%s: %v %q,\nwant %q", tc.name, r.Outcome, r.Output, tc.want)
		}
	}
}
