package podconn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// copyErrorTrailer is api.CopyErrorTrailer (the client does not import the server).
const copyErrorTrailer = "Podd-Copy-Error"

// FilesFrom streams the file or tree at path in a container as a tar archive to fn (entry "."
// is path itself). An error podd met after the stream started comes after fn's.
func (c *Client) FilesFrom(ctx context.Context, namespace, name, container, path string, fn func(io.Reader) error) error {
	resp, err := c.Do(ctx, http.MethodGet, PodPath(namespace, name)+"/files", filesQuery(container, path), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	ferr := fn(resp.Body)
	if ferr != nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16)) // the trailer, if near
	} else {
		_, _ = io.Copy(io.Discard, resp.Body) // to EOF, where the trailer is
	}
	if msg := resp.Trailer.Get(copyErrorTrailer); msg != "" {
		return errors.New(msg)
	}
	return ferr
}

// FilesTo extracts the tar archive r in a container at path, or at path/base when path is an
// existing directory there.
func (c *Client) FilesTo(ctx context.Context, namespace, name, container, path, base string, r io.Reader) error {
	q := filesQuery(container, path)
	q.Set("name", base)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, baseURL+PodPath(namespace, name)+"/files?"+q.Encode(), r)
	if err != nil {
		return fmt.Errorf("build copy request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-tar")
	resp, err := c.Send(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

func filesQuery(container, path string) url.Values {
	q := url.Values{"path": {path}}
	if container != "" {
		q.Set("container", container)
	}
	return q
}
