package podconn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/podopts"
)

// Exec runs a command in a container and returns its exit code. stdin is sent only when
// opts.Stdin is set (nil then means an empty stdin); with opts.TTY the command's stderr comes on
// stdout. A command that ran returns its exit code and a nil error, whatever the code.
func (c *Client) Exec(ctx context.Context, namespace, name string, opts podopts.ExecOptions, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	return c.stream(ctx, PodPath(namespace, name)+"/exec", opts, stdin, stdout, stderr)
}

// stream runs an upgraded exec or attach connection: stdin out (with opts.Stdin), stdout and
// stderr in, until the exit status.
func (c *Client) stream(ctx context.Context, path string, opts podopts.ExecOptions, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	conn, err := c.upgrade(ctx, path, execQuery(opts))
	if err != nil {
		return -1, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if opts.Stdin {
		if stdin == nil {
			stdin = eofReader{}
		}
		go wire.SendFrames(conn, wire.StreamStdin, stdin) // an error here also ends the reads below
	}
	code, err := readOutput(conn, stdout, stderr)
	if err != nil && ctx.Err() != nil {
		return -1, ctx.Err()
	}
	return code, err
}

func execQuery(opts podopts.ExecOptions) url.Values {
	q := url.Values{"command": opts.Command}
	if opts.Container != "" {
		q.Set("container", opts.Container)
	}
	q.Set("stdin", strconv.FormatBool(opts.Stdin))
	q.Set("tty", strconv.FormatBool(opts.TTY))
	return q
}

// upgrade sends the exec request and returns the connection switched to the frame protocol.
func (c *Client) upgrade(ctx context.Context, path string, q url.Values) (io.ReadWriteCloser, error) {
	req, err := c.NewRequest(ctx, http.MethodPost, path, q, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", wire.ExecProtocol)
	resp, err := c.Send(req)
	if err != nil {
		return nil, err
	}
	conn, ok := resp.Body.(io.ReadWriteCloser)
	if resp.StatusCode != http.StatusSwitchingProtocols || !ok {
		resp.Body.Close()
		return nil, fmt.Errorf("exec: podd answered %s, not a protocol switch", resp.Status)
	}
	return conn, nil
}

// readOutput writes stdout and stderr frames until the exit status or an error frame.
func readOutput(r io.Reader, stdout, stderr io.Writer) (int, error) {
	for {
		stream, p, err := wire.ReadFrame(r)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return -1, errors.New("exec: connection closed before the exit status")
			}
			return -1, fmt.Errorf("exec: %w", err)
		}
		switch stream {
		case wire.StreamStdout:
			writeOutput(stdout, p)
		case wire.StreamStderr:
			writeOutput(stderr, p)
		case wire.StreamExit:
			return parseExitCode(p)
		case wire.StreamError:
			return -1, errors.New(string(p))
		}
	}
}

// writeOutput ignores a failing or missing writer, like a closed terminal: the command goes on.
func writeOutput(w io.Writer, p []byte) {
	if w != nil {
		_, _ = w.Write(p)
	}
}

func parseExitCode(p []byte) (int, error) {
	code, err := strconv.Atoi(string(p))
	if err != nil {
		return -1, fmt.Errorf("exec: bad exit status %q", p)
	}
	return code, nil
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// Attach attaches to a container's running process (kubectl attach): its output from now on
// goes to stdout, and with opts.Stdin stdin goes to the process's stdin. It returns when the
// container's run ends, or ctx is done.
func (c *Client) Attach(ctx context.Context, namespace, name string, opts podopts.ExecOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	_, err := c.stream(ctx, PodPath(namespace, name)+"/attach", opts, stdin, stdout, stderr)
	if err != nil && ctx.Err() != nil {
		return nil // detached
	}
	return err
}
