package ctl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/podd/podd/api/client"
	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/ctl/local"
	"github.com/podd/podd/internal/cli"
)

// NewHandler serves wire.CommandPath: it runs the podctl command of the request against the
// socket it was received on, reading pods with pods (in-process: api.PodReader) rather than
// over that socket, and answers with the command's output as frames.
func NewHandler(pods client.PodReader) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { serveCommand(w, r, pods) }
}

func serveCommand(w http.ResponseWriter, r *http.Request, pods client.PodReader) {
	req, code, err := readCommand(w, r)
	if err == nil {
		code, err = http.StatusBadRequest, checkArgs(req.Args)
	}
	if err != nil {
		http.Error(w, "podctl command: "+err.Error(), code)
		return
	}
	// read to the end: only then does net/http watch the connection and cancel the command's
	// context when podctl goes away (Ctrl-C on get -w or logs -f)
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, maxCommandRequest))
	socket := ""
	if addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		socket = addr.String()
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.WriteHeader(http.StatusOK)
	out := &frameOut{w: w, rc: http.NewResponseController(w)}
	ctx := context.WithValue(withZone(withFiles(r.Context(), req.Files), req.TZ), podsKey{}, pods)
	exit := runCommand(ctx, socket, req, out)
	_ = out.send(wire.StreamExit, []byte(strconv.Itoa(exit)))
}

// checkArgs refuses an empty command line and one naming a socket (before a "--"): podd runs
// the command against the socket it was received on, never one the request names.
func checkArgs(args []string) error {
	if len(args) == 0 {
		return errors.New("no command line")
	}
	for _, a := range args[1:] {
		if a == "--" {
			break
		}
		if name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "="); strings.HasPrefix(a, "-") && name == "socket" {
			return fmt.Errorf("args: %q names a socket: podd runs the command against its own", a)
		}
	}
	return nil
}

// runCommand runs req's command line with podctl's app, talking to podd at socket.
func runCommand(ctx context.Context, socket string, req wire.CommandRequest, out *frameOut) int {
	app := routeApp()
	for _, f := range app.Flags {
		if sf, ok := f.(*cli.StringFlag); ok && sf.Name == "socket" {
			sf.Value, sf.EnvVars = socket, nil
		}
	}
	app.Context = ctx
	return local.Run(app, req.Args, bytes.NewReader(req.Stdin),
		out.stream(wire.StreamStdout), out.stream(wire.StreamStderr), errorText)
}

// frameOut writes a command's output to the answer as frames, each flushed as it is written.
type frameOut struct {
	mu sync.Mutex
	w  io.Writer
	rc *http.ResponseController
}

func (o *frameOut) send(stream byte, p []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	// header and payload apart: w buffers them, and a frame's copy of p is not needed
	if _, err := o.w.Write(wire.FrameHeader(stream, len(p))); err != nil {
		return err
	}
	if _, err := o.w.Write(p); err != nil {
		return err
	}
	return o.rc.Flush()
}

func (o *frameOut) stream(id byte) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		return wire.WriteChunks(func(chunk []byte) error { return o.send(id, chunk) }, p)
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

type filesKey struct{}

type podsKey struct{}

type zoneKey struct{}

// withZone makes the command print times in the zone podctl's TZ names (when it names one
// podd knows; else podd's own).
func withZone(ctx context.Context, tz string) context.Context {
	if tz == "" {
		return ctx
	}
	loc, err := time.LoadLocation(strings.TrimPrefix(tz, ":"))
	if err != nil {
		return ctx
	}
	return context.WithValue(ctx, zoneKey{}, loc)
}

// nowFor is the time in the zone of the podctl the command runs for.
func nowFor(ctx context.Context) time.Time {
	if loc, ok := ctx.Value(zoneKey{}).(*time.Location); ok {
		return time.Now().In(loc)
	}
	return time.Now()
}

// withFiles makes readFile read the files podctl sent instead of podd's.
func withFiles(ctx context.Context, files map[string]wire.File) context.Context {
	if files == nil {
		files = map[string]wire.File{}
	}
	return context.WithValue(ctx, filesKey{}, files)
}

// manifestFiles is the -f list with each directory replaced by its manifest files, as podctl
// listed them; an error names the directory. For a command podctl did not send, it reads them
// itself (files, directories, URLs) and returns ctx carrying what it read, for readFile.
func manifestFiles(ctx context.Context, names []string, recursive bool) (context.Context, []string, error) {
	files, ok := ctx.Value(filesKey{}).(map[string]wire.File)
	if !ok {
		files = map[string]wire.File{}
		for _, n := range names {
			if n != "-" {
				local.ReadManifests(n, recursive, files)
			}
		}
		ctx = withFiles(ctx, files)
	}
	var out []string
	for _, n := range names {
		f, ok := files[n]
		switch {
		case !ok || f.Entries == nil && f.Error == "":
			out = append(out, n)
		case f.Error != "":
			if f.Entries == nil {
				out = append(out, n) // reading it says why
				continue
			}
			return nil, nil, fmt.Errorf("read directory %s: %s", n, f.Error)
		default:
			out = append(out, f.Entries...)
		}
	}
	return ctx, out, nil
}

// readFile reads path, or stdin for "-": the file podctl sent, or that manifestFiles read.
func readFile(ctx context.Context, path string, stdin io.Reader) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(stdin)
	}
	files, _ := ctx.Value(filesKey{}).(map[string]wire.File)
	f, ok := files[path]
	switch {
	case !ok:
		return nil, errors.New("open " + path + ": podctl did not send it")
	case f.Error != "":
		return nil, errors.New(f.Error)
	}
	return f.Data, nil
}
