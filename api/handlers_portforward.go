package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"syscall"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/internal/joinconn"
)

var podsResource = schema.GroupResource{Resource: "pods"}

// isPeerGone is an error that only says one end went away (a reset, a closed pipe).
func isPeerGone(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}

// PortForwarder is what port-forward asks of the backend (the runtime has it; a backend
// without it answers 405): a TCP connection to port, dialled from inside the pod's network
// namespace. Errors are the API's errors (404 for no such pod, 400 for a pod not running);
// any other is the forwarding error, kubelet's "error forwarding port ... to pod ...".
type PortForwarder interface {
	PortForward(ctx context.Context, namespace, name string, port int32) (net.Conn, error)
}

// portForward serves one forwarded connection: podd dials the pod's port first, so a refused
// port is an error answer (the client shows it and goes on), then switches the API connection
// to the raw bytes of that TCP connection and joins the two (half-closes passed through).
//
// One API connection per forwarded connection rather than kubectl's multiplexed streams (or
// podd's exec frames): the kernel does the flow control of each connection, a half-close is a
// shutdown(2), and between the unix socket and the pod's TCP socket the copy is splice(2), so
// the data never comes up to podd's memory. Its cost is one connect and one HTTP request per
// forwarded connection, on a local socket. A client that asks (podctl does) gets the pod's
// socket itself instead (handOver): its copy then goes straight to the pod, and podd is out of
// the way of the bytes (a direct copy's throughput is ~2 hops away rather than 3).
func (h *handlers) portForward(w http.ResponseWriter, r *http.Request) {
	pf, ok := h.b.(PortForwarder)
	if !ok {
		writeError(w, apierrors.NewMethodNotSupported(podsResource, "portforward"))
		return
	}
	port, err := forwardPort(r)
	if err != nil {
		writeError(w, err)
		return
	}
	pod, err := pf.PortForward(r.Context(), r.PathValue("ns"), r.PathValue("name"), port)
	if err != nil {
		writeError(w, err)
		return
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		pod.Close()
		writeError(w, fmt.Errorf("hijack connection: %w", err))
		return
	}
	uc, unixConn := conn.(*net.UnixConn)
	if unixConn && r.Header.Get(wire.PortForwardHandOver) == "socket" {
		if err := handOver(uc, brw.Reader, pod); err != nil {
			log.Printf("api: port-forward %s/%s:%d: hand over the socket: %v", r.PathValue("ns"), r.PathValue("name"), port, err)
		}
		return
	}
	if unixConn {
		_ = uc.SetWriteBuffer(forwardBuffer)
	}
	if err := startForward(conn, brw.Reader, pod); err != nil {
		conn.Close()
		pod.Close()
		return
	}
	if err := joinconn.Join(conn, pod); err != nil && !isPeerGone(err) {
		log.Printf("api: port-forward %s/%s:%d: %v", r.PathValue("ns"), r.PathValue("name"), port, err)
	}
}

// startForward answers 101 and hands on what the client sent early (bytes the server read
// past the request): the client waits for the answer, but nothing forbids it to send first.
func startForward(conn net.Conn, early io.Reader, pod net.Conn) error {
	if _, err := io.WriteString(conn, switchingToForward); err != nil {
		return err
	}
	return sendEarly(pod, early)
}

// sendEarly passes on to the pod what the server read past the request.
func sendEarly(pod io.Writer, early io.Reader) error {
	if b, ok := early.(interface{ Buffered() int }); ok && b.Buffered() > 0 {
		if _, err := io.CopyN(pod, early, int64(b.Buffered())); err != nil {
			return err
		}
	}
	return nil
}

// handOver answers 101 with the pod's socket attached and closes both podd's copy of it and the
// API connection: podd carries none of the forwarded bytes (the client asked for it, see
// wire.PortForwardHandOver). What the client sent early goes to the pod first.
func handOver(conn *net.UnixConn, early io.Reader, pod net.Conn) error {
	defer conn.Close()
	defer pod.Close()
	if err := sendEarly(pod, early); err != nil {
		return err
	}
	sc, ok := pod.(syscall.Conn)
	if !ok {
		return fmt.Errorf("pod connection %T has no file descriptor", pod)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var werr error
	err = raw.Control(func(fd uintptr) {
		_, _, werr = conn.WriteMsgUnix([]byte(handingOver), syscall.UnixRights(int(fd)), nil)
	})
	return errors.Join(err, werr)
}

const handingOver = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: " + wire.PortForwardProtocol +
	"\r\nConnection: Upgrade\r\n" + wire.PortForwardHandOver + ": socket\r\n\r\n"

// forwardBuffer is the send buffer of a forward's unix socket (see api/client).
const forwardBuffer = 4 << 20

const switchingToForward = "HTTP/1.1 101 Switching Protocols\r\n" +
	"Upgrade: " + wire.PortForwardProtocol + "\r\nConnection: Upgrade\r\n\r\n"

func forwardPort(r *http.Request) (int32, error) {
	if r.Header.Get("Upgrade") != wire.PortForwardProtocol {
		return 0, apierrors.NewBadRequest("port-forward needs a connection upgrade to " + wire.PortForwardProtocol)
	}
	v := r.URL.Query().Get("port")
	n, err := strconv.ParseUint(v, 10, 16)
	if err != nil || n == 0 {
		return 0, apierrors.NewBadRequest(fmt.Sprintf("port: invalid value %q: must be 1-65535", v))
	}
	return int32(n), nil
}
