package probe

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Checker runs one probe once.
type Checker interface {
	Check(ctx context.Context, t *Target) Result
}

// Dialer makes the checkers of probes; it holds what they share: the socket thread.
type Dialer struct {
	sockets *Sockets
}

// NewDialer starts the socket thread (netns.go).
func NewDialer() *Dialer {
	return &Dialer{sockets: NewSockets()}
}

// Checker is the checker of probe p (defaulted) for target t. A probe that cannot run (a port
// name the container does not have) gets a checker whose every result is
// Unknown with the reason, as the kubelet reports such a probe as errored.
func (d *Dialer) Checker(p *corev1.Probe, t *Target) Checker {
	timeout := time.Duration(p.TimeoutSeconds) * time.Second
	switch {
	case p.TCPSocket != nil:
		port, err := resolvePort(p.TCPSocket.Port, t.Container)
		if err != nil {
			return errored{err.Error()}
		}
		return &TCPCheck{sockets: d.sockets, host: p.TCPSocket.Host, port: port, timeout: timeout}
	case p.HTTPGet != nil:
		c, err := newHTTPCheck(d.sockets, p.HTTPGet, t, timeout)
		if err != nil {
			return errored{err.Error()}
		}
		return c
	case p.GRPC != nil:
		service := ""
		if p.GRPC.Service != nil {
			service = *p.GRPC.Service
		}
		return &GRPCCheck{sockets: d.sockets, port: int(p.GRPC.Port), service: service, timeout: timeout}
	case p.Exec != nil:
		return &ExecCheck{cmd: p.Exec.Command, timeout: timeout}
	}
	return errored{"probe handler not supported by podd"}
}

type errored struct{ msg string }

func (e errored) Check(context.Context, *Target) Result {
	return Result{Outcome: Unknown, Output: e.msg}
}
