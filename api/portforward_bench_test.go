package api

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/podd/podd/api/client"
	"github.com/podd/podd/internal/joinconn"
	"github.com/podd/podd/internal/testutil"
	"golang.org/x/sys/unix"
)

// BenchmarkPortForward measures port-forward's throughput against a direct TCP copy to the
// same server, interleaved (one of each per op, so both see the same machine load): "direct"
// writes to the server's TCP socket itself; "podd" goes the whole way a forwarded connection
// goes (a local TCP listener joined as podctl joins it to the TCP connection podd dialled and
// handed over through its API socket), only the socket being made in podd's namespace rather
// than a pod's.
// Each transfer sends 16 MiB and half-closes; the server answers once it read everything. It
// reports direct-MB/s, podd-MB/s and podd/direct (the target is >= 0.5), and the process's CPU
// time per MB of each (getrusage: client, server and the forward all run in it), whose ratio
// podd/direct-cpu moves far less with the machine's load than the wall-time one.
//
// Where the time goes (perf, 2 vCPUs): the forward's own copy (splice(2) from the local TCP
// socket into a 1 MiB pipe and on to the pod's socket, ~1 MiB a call) is ~5% of the samples;
// the rest is the kernel's TCP over loopback (tcp_v4_rcv in softirq, the server's reads), and
// a forwarded transfer crosses two TCP connections where the direct one crosses one: ~2.2x the
// CPU per MB, so a CPU-bound machine caps podd/direct near 0.5.
//
// This is the forward's cost on loopback with every end in one process; what a user compares
// (a pod's server, `podctl port-forward` against a TCP copy straight to the pod's IP through
// the bridge) is `go run ./tests/bench -only forward` (make bench): 0.86-0.97 of direct.
//
// A third arm, "relay", is the least any forward that listens locally can cost: a plain TCP
// relay (accept, dial the server, joinconn's splice copy both ways) with no API in between.
// podd/relay near 1 says the rest of podd/direct is the second TCP connection itself.
func BenchmarkPortForward(b *testing.B) {
	sink := discardServer(b)
	local := clientSide(b, forwardTo(b, sink))
	relay := relayTo(b, sink.Addr().String())
	const size = 16 << 20
	buf := make([]byte, 256<<10)
	var wall, cpu [3]time.Duration // direct, podd, relay
	for b.Loop() {
		for i, addr := range []string{sink.Addr().String(), local.Addr().String(), relay.Addr().String()} {
			cpu0 := processCPU()
			wall[i] += timeTransfer(b, addr, buf, size)
			cpu[i] += processCPU() - cpu0
		}
	}
	mb := float64(b.N) * size / 1e6
	b.ReportMetric(mb/wall[0].Seconds(), "direct-MB/s")
	b.ReportMetric(mb/wall[1].Seconds(), "podd-MB/s")
	b.ReportMetric(wall[0].Seconds()/wall[1].Seconds(), "podd/direct")
	b.ReportMetric(cpu[0].Seconds()*1e3/mb, "direct-cpu-ms/MB")
	b.ReportMetric(cpu[1].Seconds()*1e3/mb, "podd-cpu-ms/MB")
	b.ReportMetric(cpu[0].Seconds()/cpu[1].Seconds(), "podd/direct-cpu")
	b.ReportMetric(wall[2].Seconds()/wall[1].Seconds(), "podd/relay")
	b.ReportMetric(cpu[2].Seconds()/cpu[1].Seconds(), "podd/relay-cpu")
}

// relayTo is a plain TCP relay to addr: each accepted connection joined to a new one to addr.
func relayTo(b testing.TB, addr string) net.Listener {
	return testutil.ServeEach(b, func(conn net.Conn) {
		out, err := net.Dial("tcp", addr)
		if err != nil {
			conn.Close()
			return
		}
		joinconn.Join(conn, out)
	})
}

// processCPU is the user and system CPU time of this process so far.
func processCPU() time.Duration {
	var ru unix.Rusage
	_ = unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// timeTransfer sends size bytes to addr, half-closes, reads the answer and returns the time.
func timeTransfer(b *testing.B, addr string, buf []byte, size int) time.Duration {
	start := time.Now()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for sent := 0; sent < size; sent += len(buf) {
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	c.(*net.TCPConn).CloseWrite()
	if _, err := io.ReadAll(c); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// discardServer reads each connection to EOF, then answers "ok".
func discardServer(b testing.TB) net.Listener {
	return testutil.ServeEach(b, func(c net.Conn) {
		defer c.Close()
		io.Copy(io.Discard, c)
		io.WriteString(c, "ok")
	})
}

// clientSide is podctl's half: a local listener whose connections are joined to forwards.
func clientSide(b testing.TB, c *client.Client) net.Listener {
	return testutil.ServeEach(b, func(conn net.Conn) {
		f, err := c.PortForward(context.Background(), "default", "web", 8080)
		if err != nil {
			conn.Close()
			return
		}
		conn.Write(f.Early)
		joinconn.Join(conn, f.Conn)
	})
}
