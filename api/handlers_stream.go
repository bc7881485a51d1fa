package api

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/podopts"
)

func (h *handlers) logs(w http.ResponseWriter, r *http.Request) {
	opts, err := logOptions(r.URL.Query())
	if err != nil {
		writeError(w, err)
		return
	}
	fw := &flushWriter{w: w, rc: http.NewResponseController(w)}
	defer fw.rc.SetWriteDeadline(time.Time{}) // the connection may serve another request
	err = h.b.Logs(r.Context(), r.PathValue("ns"), r.PathValue("name"), opts, fw)
	if err != nil && !fw.wrote {
		writeError(w, err)
	}
	// An error after output has started can only end the stream early.
}

// logOptions reads the Kubernetes PodLogOptions query parameters: follow, previous,
// tailLines, sinceSeconds, sinceTime, timestamps, limitBytes (and container).
func logOptions(q url.Values) (podopts.LogOptions, error) {
	opts := podopts.LogOptions{Container: q.Get("container"), TailLines: -1}
	var err error
	for name, b := range map[string]*bool{"follow": &opts.Follow, "previous": &opts.Previous, "timestamps": &opts.Timestamps} {
		if *b, err = boolParam(q, name); err != nil {
			return opts, err
		}
	}
	if v := q.Get("tailLines"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return opts, apierrors.NewBadRequest(fmt.Sprintf("tailLines: invalid value %q", v))
		}
		opts.TailLines = n
	}
	if opts.SinceSeconds, err = positiveParam(q, "sinceSeconds"); err != nil {
		return opts, err
	}
	if opts.LimitBytes, err = positiveParam(q, "limitBytes"); err != nil {
		return opts, err
	}
	if v := q.Get("sinceTime"); v != "" {
		if opts.SinceTime, err = time.Parse(time.RFC3339, v); err != nil {
			return opts, invalidLogOption("sinceTime", v, "must be an RFC 3339 time")
		}
		if opts.SinceSeconds > 0 {
			return opts, invalidLogOption("sinceTime", v, "at most one of sinceTime or sinceSeconds may be specified")
		}
	}
	return opts, nil
}

// positiveParam reads an integer parameter that must be at least 1 when given (0: absent).
func positiveParam(q url.Values, name string) (int64, error) {
	v := q.Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, invalidLogOption(name, v, "must be greater than 0")
	}
	return n, nil
}

func invalidLogOption(name, value, detail string) error {
	return apierrors.NewInvalid(schema.GroupKind{Kind: "PodLogOptions"}, "", field.ErrorList{field.Invalid(field.NewPath(name), value, detail)})
}

func boolParam(q url.Values, name string) (bool, error) {
	v := q.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, apierrors.NewBadRequest(fmt.Sprintf("%s: invalid value %q", name, v))
	}
	return b, nil
}

// flushWriter sends each write to the client at once; a write the client does not take within
// streamWriteTimeout fails, which ends the stream. Headers go out with the first write, so an
// error before any output still gets its own status code.
type flushWriter struct {
	w     http.ResponseWriter
	rc    *http.ResponseController
	wrote bool
}

// streamWriteTimeout cuts a log stream whose client stopped reading (a variable for tests).
var streamWriteTimeout = time.Minute

func (f *flushWriter) Write(p []byte) (int, error) {
	_ = f.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	if !f.wrote {
		f.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		f.wrote = true
	}
	n, err := f.w.Write(p)
	if err != nil {
		return n, err
	}
	return n, f.rc.Flush()
}

func (h *handlers) exec(w http.ResponseWriter, r *http.Request) {
	ns, name := r.PathValue("ns"), r.PathValue("name")
	opts, err := execOptions(r)
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
	s.run(r.Context(), h.b, ns, name, opts)
}

// upgrade takes the request's connection over for an exec or attach stream, answering 101
// Switching Protocols; false when that failed (the client was answered, or is gone).
func upgrade(w http.ResponseWriter) (*execSession, bool) {
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		writeError(w, fmt.Errorf("hijack connection: %w", err))
		return nil, false
	}
	if _, err := io.WriteString(conn, switchingProtocols); err != nil {
		conn.Close()
		return nil, false
	}
	return &execSession{conn: conn, in: brw.Reader}, true
}

const switchingProtocols = "HTTP/1.1 101 Switching Protocols\r\n" +
	"Upgrade: " + wire.ExecProtocol + "\r\nConnection: Upgrade\r\n\r\n"

func execOptions(r *http.Request) (podopts.ExecOptions, error) {
	q := r.URL.Query()
	opts := podopts.ExecOptions{Container: q.Get("container"), Command: q["command"]}
	if len(opts.Command) == 0 {
		return opts, apierrors.NewBadRequest("you must specify at least one command for the container")
	}
	for i, arg := range opts.Command {
		if strings.IndexByte(arg, 0) >= 0 {
			return opts, apierrors.NewBadRequest(fmt.Sprintf("command[%d]: must not contain a NUL byte", i))
		}
	}
	if r.Header.Get("Upgrade") != wire.ExecProtocol {
		return opts, apierrors.NewBadRequest("exec needs a connection upgrade to " + wire.ExecProtocol)
	}
	var err error
	if opts.Stdin, err = boolParam(q, "stdin"); err != nil {
		return opts, err
	}
	opts.TTY, err = boolParam(q, "tty")
	return opts, err
}

// execSession is the server side of an upgraded exec connection.
type execSession struct {
	conn net.Conn
	in   *bufio.Reader
	mu   sync.Mutex // one frame at a time on conn
}

func (s *execSession) run(ctx context.Context, b Backend, ns, name string, opts podopts.ExecOptions) {
	s.serve(ctx, opts.Stdin, func(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
		return b.Exec(ctx, ns, name, opts, stdin, stdout, stderr)
	})
}

// serve runs do with the session's streams (stdin only when wanted) and sends its exit code or
// error; the connection breaking cancels do's context.
func (s *execSession) serve(ctx context.Context, wantStdin bool, do func(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) (int, error)) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pr, pw := io.Pipe()
	defer pr.Close() // unblocks readInput if the command stopped reading stdin
	var stdin io.Reader
	if wantStdin {
		stdin = pr
	}
	go s.readInput(pw, wantStdin, cancel)
	stdout := &frameWriter{s: s, stream: wire.StreamStdout}
	stderr := &frameWriter{s: s, stream: wire.StreamStderr}
	code, err := do(ctx, stdin, stdout, stderr)
	if err != nil {
		s.send(wire.StreamError, []byte(err.Error()))
		return
	}
	s.send(wire.StreamExit, []byte(strconv.Itoa(code)))
}

// readInput copies stdin frames into pw until a zero-length stdin frame (EOF); it keeps reading
// frames after that, and cancels the exec when the connection breaks.
func (s *execSession) readInput(pw *io.PipeWriter, wanted bool, cancel context.CancelFunc) {
	defer cancel()
	defer func() { // not the handler's goroutine: net/http would not recover a panic here
		if v := recover(); v != nil {
			log.Printf("api: exec stdin: panic: %v", v)
			pw.CloseWithError(fmt.Errorf("exec stdin: internal error"))
		}
	}()
	for {
		stream, p, err := wire.ReadFrame(s.in)
		if err != nil {
			pw.CloseWithError(fmt.Errorf("exec connection: %w", err))
			return
		}
		if stream != wire.StreamStdin {
			continue
		}
		if len(p) == 0 || !wanted {
			pw.Close()
			continue
		}
		if _, err := pw.Write(p); err != nil {
			wanted = false // the command closed its stdin: drop the rest
		}
	}
}

func (s *execSession) send(stream byte, p []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return wire.WriteFrame(s.conn, stream, p)
}
