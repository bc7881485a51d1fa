package probe

import (
	"context"
	"net"
	"net/netip"
	"os"
)

// DialIn connects to addr from a TCP socket created in the network namespace ns (nil: podd's
// own), the way the probes dial, and returns the connection: port-forward's way into a pod.
// The error reads as Go's dialer's, with the family: "dial tcp4 127.0.0.1:8080: connect:
// connection refused".
func (d *Dialer) DialIn(ctx context.Context, ns *os.File, addr netip.AddrPort) (net.Conn, error) {
	f, err := d.sockets.connect(ctx, ns, addr, true)
	if err != nil {
		family := "tcp4"
		if addr.Addr().Unmap().Is6() {
			family = "tcp6"
		}
		return nil, &net.OpError{Op: "dial", Net: family, Addr: net.TCPAddrFromAddrPort(addr), Err: err}
	}
	defer f.Close()
	return net.FileConn(f)
}
