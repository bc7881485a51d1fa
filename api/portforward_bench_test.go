package api

import (
	"context"
	"io"
	"net"
	"testing"

	"github.com/podd/podd/api/client"
	"github.com/podd/podd/internal/joinconn"
)

// BenchmarkPortForward measures port-forward's throughput (MB/s) against a direct TCP copy to
// the same server in the same run: "direct" writes to the server's TCP socket itself;
// "podd" goes the whole way a forwarded connection goes (a local TCP listener joined as podctl
// joins it, podd's API socket and handler, the TCP connection podd dialled), only the socket
// being made in podd's namespace rather than a pod's. Each op sends 16 MiB and half-closes;
// the server answers once it read everything.
func BenchmarkPortForward(b *testing.B) {
	sink := discardServer(b)
	const size = 16 << 20
	b.Run("direct", func(b *testing.B) {
		dial := func() (net.Conn, error) { return net.Dial("tcp", sink.Addr().String()) }
		benchTransfer(b, dial, size)
	})
	b.Run("podd", func(b *testing.B) {
		local := clientSide(b, forwardTo(b, sink))
		dial := func() (net.Conn, error) { return net.Dial("tcp", local.Addr().String()) }
		benchTransfer(b, dial, size)
	})
}

func benchTransfer(b *testing.B, dial func() (net.Conn, error), size int) {
	buf := make([]byte, 256<<10)
	b.SetBytes(int64(size))
	for b.Loop() {
		c, err := dial()
		if err != nil {
			b.Fatal(err)
		}
		for sent := 0; sent < size; sent += len(buf) {
			if _, err := c.Write(buf); err != nil {
				b.Fatal(err)
			}
		}
		c.(*net.TCPConn).CloseWrite()
		if _, err := io.ReadAll(c); err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}

// discardServer reads each connection to EOF, then answers "ok".
func discardServer(b testing.TB) net.Listener {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(io.Discard, c)
				io.WriteString(c, "ok")
			}()
		}
	}()
	return l
}

// clientSide is podctl's half: a local listener whose connections are joined to forwards.
func clientSide(b testing.TB, c *client.Client) net.Listener {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				f, err := c.PortForward(context.Background(), "default", "web", 8080)
				if err != nil {
					conn.Close()
					return
				}
				conn.Write(f.Early)
				joinconn.Join(conn, f.Conn)
			}()
		}
	}()
	return l
}
