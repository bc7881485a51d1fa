package api

import (
	"context"
	"io"
	"net/http"

	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/podopts"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// AttachBackend attaches to a running container's process (kubectl attach): its output from
// now on, and with opts.Stdin the client's input to its stdin, until the run ends or ctx is
// done. A Backend without it answers 404 on the attach route.
type AttachBackend interface {
	Attach(ctx context.Context, namespace, name string, opts podopts.ExecOptions, stdin io.Reader, stdout, stderr io.Writer) error
}

// attach serves POST .../attach?container=&stdin=&tty=, upgraded to the exec frame protocol:
// stdin frames in, stdout and stderr frames out, then an exit frame (0) or an error frame.
func (h *handlers) attach(w http.ResponseWriter, r *http.Request) {
	b, ok := h.b.(AttachBackend)
	if !ok {
		notFound(w, r)
		return
	}
	ns, name := r.PathValue("ns"), r.PathValue("name")
	q := r.URL.Query()
	opts := podopts.ExecOptions{Container: q.Get("container")}
	var err error
	if r.Header.Get("Upgrade") != wire.ExecProtocol {
		err = apierrors.NewBadRequest("attach needs a connection upgrade to " + wire.ExecProtocol)
	}
	if err == nil {
		opts.Stdin, err = boolParam(q, "stdin")
	}
	if err == nil {
		opts.TTY, err = boolParam(q, "tty")
	}
	if err == nil {
		_, err = h.b.Get(ns, name)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	s, ok := upgrade(w)
	if !ok {
		return
	}
	defer s.conn.Close()
	s.serve(r.Context(), opts.Stdin, func(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
		return 0, b.Attach(ctx, ns, name, opts, stdin, stdout, stderr)
	})
}
