// Package podconn is the part of podd's API client that needs no Kubernetes types: HTTP/1.1
// over podd's unix socket, the streams (exec, attach, logs, files, port-forward, images) and the
// calls answered with podd's own types. podctl links only this (package api/client adds the
// k8s.io/api typed calls for podd's side and tests), so that it starts as fast as a small Go
// program. A failure answer is a *StatusError unless Client.StatusError makes it another error.
package podconn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/podopts"
)

// Client talks to podd over its unix socket.
type Client struct {
	socket string
	http   *http.Client
	// StatusError turns a failure answer (code, body) into the error calls return;
	// nil: ErrorFromStatus.
	StatusError func(code int, body []byte) error
	dryRun      bool // every write asks for a dry run (dryRun=All)
}

// DryRun is a client for the same socket whose writes are dry runs: podd says what each would
// do and does nothing (kubectl's --dry-run=server).
func (c *Client) DryRun() *Client {
	d := *c
	d.dryRun = true
	return &d
}

// baseURL is a placeholder host: every connection goes to the socket.
const baseURL = "http://podd"

// New returns a client for the API socket at socketPath; it connects on first use.
func New(socketPath string) *Client {
	c := &Client{socket: socketPath}
	c.http = &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socketPath)
		},
		DisableCompression: true,
	}}
	return c
}

// CloseIdleConnections closes the connections to podd no request is using.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// Health returns nil when podd answers GET /healthz with "ok".
func (c *Client) Health(ctx context.Context) error {
	resp, err := c.Do(ctx, http.MethodGet, "/healthz", nil, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read health answer: %w", err)
	}
	if string(body) != "ok" {
		return fmt.Errorf("podd health check answered %q", body)
	}
	return nil
}

// Apply sends one pod manifest as JSON to be created or updated in namespace (the server checks
// the manifest: unknown fields are reported by path). It reports whether the pod was created
// (false: it existed and was left unchanged or updated: Applied.Result says which).
func (c *Client) Apply(ctx context.Context, namespace string, podJSON []byte) (*Applied, bool, error) {
	resp, err := c.Do(ctx, http.MethodPost, PodsPath(namespace), nil, podJSON)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	applied, err := DecodeApplied(resp)
	if err != nil {
		return nil, false, err
	}
	created := resp.StatusCode == http.StatusCreated
	applied.Result = podopts.ApplyResult(resp.Header.Get(wire.ApplyResultHeader))
	if applied.Result == "" { // a podd before the header
		applied.Result = map[bool]podopts.ApplyResult{true: podopts.ApplyCreated, false: podopts.ApplyUnchanged}[created]
	}
	return applied, created, nil
}

// Create sends one pod manifest to be created in namespace: a pod of that name that exists is
// an AlreadyExists error (apierrors.IsAlreadyExists), not an update.
func (c *Client) Create(ctx context.Context, namespace string, podJSON []byte) (*Applied, error) {
	resp, err := c.Do(ctx, http.MethodPost, PodsPath(namespace), url.Values{"create": {"true"}}, podJSON)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	applied, err := DecodeApplied(resp)
	if err != nil {
		return nil, err
	}
	applied.Result = podopts.ApplyCreated
	return applied, nil
}

// Version is podd's GET /version (the API server's version.Info fields).
func (c *Client) Version(ctx context.Context) (*ServerVersion, error) {
	return GetJSON[ServerVersion](ctx, c, "/version", nil)
}

// ServerVersion is what podctl reads of the version.Info podd answers.
type ServerVersion struct {
	GitVersion string `json:"gitVersion"`
	GitCommit  string `json:"gitCommit"`
	GoVersion  string `json:"goVersion"`
	Platform   string `json:"platform"`
}

// Applied identifies the pod an apply created or found unchanged. The server replies with the
// whole v1.Pod, but the client reads only this: the first decode of a v1.Pod costs a fresh
// podctl process ~1.2 ms of reflection, most of what apply needs besides the server's work.
type Applied struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	UID       string `json:"uid"`
	// Result is what the apply did: created, configured or unchanged.
	Result podopts.ApplyResult `json:"-"`
	// Object is the server's answer as it came: the object as stored (apply -o yaml|json).
	Object json.RawMessage `json:"-"`
}

// DecodeApplied reads an answer to an apply or a create: the object's metadata, and the
// object's bytes as they came.
func DecodeApplied(resp *http.Response) (*Applied, error) {
	raw, err := io.ReadAll(resp.Body)
	var reply struct {
		Metadata Applied `json:"metadata"`
	}
	if err == nil {
		err = json.Unmarshal(raw, &reply)
	}
	if err != nil {
		return nil, fmt.Errorf("decode answer to %s %s: %w", resp.Request.Method, resp.Request.URL.Path, err)
	}
	reply.Metadata.Object = raw
	return &reply.Metadata, nil
}

// Delete deletes a pod and returns when it is gone; grace nil means the pod's own grace period.
func (c *Client) Delete(ctx context.Context, namespace, name string, grace *int64) error {
	q := url.Values{}
	if grace != nil {
		q.Set("gracePeriodSeconds", strconv.FormatInt(*grace, 10))
	}
	resp, err := c.Do(ctx, http.MethodDelete, PodPath(namespace, name), q, nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// Logs copies a container's log to w; with opts.Follow it returns when ctx is done (ctx.Err())
// or the server ends the stream.
func (c *Client) Logs(ctx context.Context, namespace, name string, opts podopts.LogOptions, w io.Writer) error {
	resp, err := c.Do(ctx, http.MethodGet, PodPath(namespace, name)+"/log", logQuery(opts), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(w, resp.Body); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("read log stream: %w", err)
	}
	return nil
}

func logQuery(opts podopts.LogOptions) url.Values {
	q := url.Values{}
	if opts.Container != "" {
		q.Set("container", opts.Container)
	}
	if opts.Follow {
		q.Set("follow", "true")
	}
	if opts.Previous {
		q.Set("previous", "true")
	}
	if opts.TailLines >= 0 {
		q.Set("tailLines", strconv.FormatInt(opts.TailLines, 10))
	}
	if opts.Timestamps {
		q.Set("timestamps", "true")
	}
	if opts.SinceSeconds > 0 {
		q.Set("sinceSeconds", strconv.FormatInt(opts.SinceSeconds, 10))
	}
	if !opts.SinceTime.IsZero() {
		q.Set("sinceTime", opts.SinceTime.Format(time.RFC3339))
	}
	if opts.LimitBytes > 0 {
		q.Set("limitBytes", strconv.FormatInt(opts.LimitBytes, 10))
	}
	return q
}

// Info returns podd's version, cgroup mode and watchers.
func (c *Client) Info(ctx context.Context) (*podopts.Info, error) {
	return GetJSON[podopts.Info](ctx, c, "/podd/v1/info", nil)
}

// Usage returns the CPU and memory the running containers of namespace ("" for all) used.
func (c *Client) Usage(ctx context.Context, namespace string) (*podopts.UsageList, error) {
	q := url.Values{}
	if namespace != "" {
		q.Set("namespace", namespace)
	}
	return GetJSON[podopts.UsageList](ctx, c, "/podd/v1/usage", q)
}

// Shutdown asks podd to stop all pods and exit; it returns once podd has accepted.
func (c *Client) Shutdown(ctx context.Context) error {
	resp, err := c.Do(ctx, http.MethodPost, "/podd/v1/shutdown", nil, nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// Do sends a request; any answer outside 2xx (and 101) becomes an error (c.StatusError).
func (c *Client) Do(ctx context.Context, method, path string, q url.Values, body []byte) (*http.Response, error) {
	req, err := c.NewRequest(ctx, method, path, q, body)
	if err != nil {
		return nil, err
	}
	return c.Send(req)
}

func (c *Client) NewRequest(ctx context.Context, method, path string, q url.Values, body []byte) (*http.Request, error) {
	return c.NewRequestAccept(ctx, method, path, q, body, "")
}

// newRequestAccept builds a request with an Accept header (none when accept is "").
func (c *Client) NewRequestAccept(ctx context.Context, method, path string, q url.Values, body []byte, accept string) (*http.Request, error) {
	u := baseURL + path
	if c.dryRun && method != http.MethodGet {
		q = withDryRun(q)
	}
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return nil, fmt.Errorf("build request %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return req, nil
}

func (c *Client) Send(req *http.Request) (*http.Response, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("cannot reach podd at %s (is podd running? --socket or PODD_SOCKET names another): %w", c.socket, err)
		}
		return nil, fmt.Errorf("podd API at %s: %s %s: %w", c.socket, req.Method, req.URL.Path, err)
	}
	if resp.StatusCode < 300 || resp.StatusCode == http.StatusSwitchingProtocols {
		return resp, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	return nil, c.statusError(resp.StatusCode, body)
}

// getJSON GETs path with query q and decodes the answer into a new T.
func GetJSON[T any](ctx context.Context, c *Client, path string, q url.Values) (*T, error) {
	resp, err := c.Do(ctx, http.MethodGet, path, q, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var v T
	if err := DecodeBody(resp, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

func DecodeBody(resp *http.Response, v any) error {
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("decode answer to %s %s: %w", resp.Request.Method, resp.Request.URL.Path, err)
	}
	return nil
}

func PodsPath(namespace string) string {
	return "/api/v1/namespaces/" + url.PathEscape(namespace) + "/pods"
}

func PodPath(namespace, name string) string {
	return PodsPath(namespace) + "/" + url.PathEscape(name)
}

// withDryRun is q (copied) with dryRun=All.
func withDryRun(q url.Values) url.Values {
	out := url.Values{"dryRun": {"All"}}
	for k, v := range q {
		out[k] = v
	}
	return out
}
