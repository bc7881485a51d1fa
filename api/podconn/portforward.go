package podconn

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"

	"github.com/podd/podd/api/wire"
)

// Forward is one forwarded connection to a pod's port: after PortForward returns, Conn carries
// the bytes of a TCP connection podd dialled inside the pod, both ways (CloseWrite half-closes
// it); Early holds what the pod sent that was read along with podd's answer, to be delivered
// before anything read from Conn.
type Forward struct {
	Conn  ForwardConn
	Early []byte
}

// ForwardConn is a forwarded connection: the pod's TCP socket podd handed over (a
// *net.TCPConn), or the API connection carrying its bytes (a *net.UnixConn).
type ForwardConn interface {
	net.Conn
	CloseWrite() error
}

// forwardBuffer is the send buffer of a forward's unix socket (a unix stream socket queues
// what it sent against it): the default (~200 KiB) made the API hop the narrowest of the path.
const forwardBuffer = 4 << 20

// PortForward asks podd to connect to port inside the pod's network namespace and returns the
// connection. A refused port is the error podd answered (kubelet's "error forwarding port
// ..."); the request is one HTTP upgrade on a connection of its own, outside the client's pool.
func (c *Client) PortForward(ctx context.Context, namespace, name string, port int) (*Forward, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", c.socket)
	if err != nil {
		return nil, fmt.Errorf("cannot reach podd at %s: %w", c.socket, err)
	}
	uc := conn.(*net.UnixConn)
	_ = uc.SetWriteBuffer(forwardBuffer)
	stop := context.AfterFunc(ctx, func() { uc.Close() })
	f, err := c.forwardOn(ctx, uc, namespace, name, port)
	if !stop() && err == nil {
		f.Conn.Close() // the handed-over socket, or uc
		err = ctx.Err()
	}
	if err != nil {
		uc.Close()
		return nil, err
	}
	return f, nil
}

func (c *Client) forwardOn(ctx context.Context, uc *net.UnixConn, namespace, name string, port int) (*Forward, error) {
	q := url.Values{"port": {strconv.Itoa(port)}}
	req, err := c.NewRequest(ctx, http.MethodPost, PodPath(namespace, name)+"/portforward", q, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", wire.PortForwardProtocol)
	req.Header.Set(wire.PortForwardHandOver, "socket")
	if err := req.Write(uc); err != nil {
		return nil, fmt.Errorf("podd API at %s: port-forward: %w", c.socket, err)
	}
	fr := &fdReader{c: uc}
	defer fr.closeFDs()
	br := bufio.NewReader(fr)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return nil, fmt.Errorf("podd API at %s: port-forward: %w", c.socket, err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return nil, c.statusError(resp.StatusCode, body)
	}
	early, _ := br.Peek(br.Buffered())
	if resp.Header.Get(wire.PortForwardHandOver) != "socket" {
		return &Forward{Conn: uc, Early: early}, nil
	}
	pod, err := fr.takeConn()
	if err != nil {
		return nil, fmt.Errorf("podd API at %s: port-forward: %w", c.socket, err)
	}
	uc.Close()
	return &Forward{Conn: pod, Early: early}, nil
}
