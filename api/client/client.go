// Package client is podd's API client, what podctl uses: HTTP/1.1 over podd's unix socket,
// answers decoded into k8s.io/api types. A failure answer comes back as the apimachinery error
// its metav1.Status body describes (apierrors.FromObject), so callers test it with
// apierrors.IsNotFound and the like. It imports only the standard library, k8s.io/api,
// k8s.io/apimachinery and podd's wire and podopts packages: never the server or the manifest
// validation, which would make podctl bigger and slower to start.
package client

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

	corev1 "k8s.io/api/core/v1"

	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/podopts"
)

// Client talks to podd over its unix socket.
type Client struct {
	socket string
	http   *http.Client
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

// Health returns nil when podd answers GET /healthz with "ok".
func (c *Client) Health(ctx context.Context) error {
	resp, err := c.do(ctx, http.MethodGet, "/healthz", nil, nil)
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
	resp, err := c.do(ctx, http.MethodPost, podsPath(namespace), nil, podJSON)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	var reply struct {
		Metadata Applied `json:"metadata"`
	}
	if err := decodeBody(resp, &reply); err != nil {
		return nil, false, err
	}
	created := resp.StatusCode == http.StatusCreated
	reply.Metadata.Result = podopts.ApplyResult(resp.Header.Get(wire.ApplyResultHeader))
	if reply.Metadata.Result == "" { // a podd before the header
		reply.Metadata.Result = map[bool]podopts.ApplyResult{true: podopts.ApplyCreated, false: podopts.ApplyUnchanged}[created]
	}
	return &reply.Metadata, created, nil
}

// Create sends one pod manifest to be created in namespace: a pod of that name that exists is
// an AlreadyExists error (apierrors.IsAlreadyExists), not an update.
func (c *Client) Create(ctx context.Context, namespace string, podJSON []byte) (*Applied, error) {
	resp, err := c.do(ctx, http.MethodPost, podsPath(namespace), url.Values{"create": {"true"}}, podJSON)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var reply struct {
		Metadata Applied `json:"metadata"`
	}
	if err := decodeBody(resp, &reply); err != nil {
		return nil, err
	}
	reply.Metadata.Result = podopts.ApplyCreated
	return &reply.Metadata, nil
}

// Version is podd's GET /version (the API server's version.Info fields).
func (c *Client) Version(ctx context.Context) (*ServerVersion, error) {
	return getJSON[ServerVersion](ctx, c, "/version", nil)
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
}

// Patch applies a merge patch (RFC 7386) to a pod and returns the pod as updated: what
// `podctl label` and `podctl annotate` send.
func (c *Client) Patch(ctx context.Context, namespace, name string, patch []byte) (*corev1.Pod, error) {
	req, err := c.newRequest(ctx, http.MethodPatch, podPath(namespace, name), nil, patch)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/merge-patch+json")
	resp, err := c.send(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var pod corev1.Pod
	if err := decodeBody(resp, &pod); err != nil {
		return nil, err
	}
	return &pod, nil
}

// Get returns one pod.
func (c *Client) Get(ctx context.Context, namespace, name string) (*corev1.Pod, error) {
	return getJSON[corev1.Pod](ctx, c, podPath(namespace, name), nil)
}

// ListOptions narrow a list.
type ListOptions struct {
	LabelSelector string // k8s label selector syntax (app=web,tier!=db); "" selects all
}

// List returns the pods of namespace, or of all namespaces when namespace is "", that
// opts.LabelSelector selects.
func (c *Client) List(ctx context.Context, namespace string, opts ListOptions) ([]corev1.Pod, error) {
	list, err := getJSON[corev1.PodList](ctx, c, listPath(namespace), opts.query())
	if err != nil {
		return nil, err
	}
	return list.Items, nil
}

func (o ListOptions) query() url.Values {
	q := url.Values{}
	if o.LabelSelector != "" {
		q.Set("labelSelector", o.LabelSelector)
	}
	return q
}

func listPath(namespace string) string {
	if namespace == "" {
		return "/api/v1/pods"
	}
	return podsPath(namespace)
}

// Delete deletes a pod and returns when it is gone; grace nil means the pod's own grace period.
func (c *Client) Delete(ctx context.Context, namespace, name string, grace *int64) error {
	q := url.Values{}
	if grace != nil {
		q.Set("gracePeriodSeconds", strconv.FormatInt(*grace, 10))
	}
	resp, err := c.do(ctx, http.MethodDelete, podPath(namespace, name), q, nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// Logs copies a container's log to w; with opts.Follow it returns when ctx is done (ctx.Err())
// or the server ends the stream.
func (c *Client) Logs(ctx context.Context, namespace, name string, opts podopts.LogOptions, w io.Writer) error {
	resp, err := c.do(ctx, http.MethodGet, podPath(namespace, name)+"/log", logQuery(opts), nil)
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
	return getJSON[podopts.Info](ctx, c, "/podd/v1/info", nil)
}

// Usage returns the CPU and memory the running containers of namespace ("" for all) used.
func (c *Client) Usage(ctx context.Context, namespace string) (*podopts.UsageList, error) {
	q := url.Values{}
	if namespace != "" {
		q.Set("namespace", namespace)
	}
	return getJSON[podopts.UsageList](ctx, c, "/podd/v1/usage", q)
}

// Shutdown asks podd to stop all pods and exit; it returns once podd has accepted.
func (c *Client) Shutdown(ctx context.Context) error {
	resp, err := c.do(ctx, http.MethodPost, "/podd/v1/shutdown", nil, nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// do sends a request; any answer outside 2xx (and 101) becomes an apimachinery error.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body []byte) (*http.Response, error) {
	req, err := c.newRequest(ctx, method, path, q, body)
	if err != nil {
		return nil, err
	}
	return c.send(req)
}

func (c *Client) newRequest(ctx context.Context, method, path string, q url.Values, body []byte) (*http.Request, error) {
	return c.newRequestAccept(ctx, method, path, q, body, "")
}

// newRequestAccept builds a request with an Accept header (none when accept is "").
func (c *Client) newRequestAccept(ctx context.Context, method, path string, q url.Values, body []byte, accept string) (*http.Request, error) {
	u := baseURL + path
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

func (c *Client) send(req *http.Request) (*http.Response, error) {
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
	return nil, errorFromStatus(resp.StatusCode, body)
}

// getJSON GETs path with query q and decodes the answer into a new T.
func getJSON[T any](ctx context.Context, c *Client, path string, q url.Values) (*T, error) {
	resp, err := c.do(ctx, http.MethodGet, path, q, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var v T
	if err := decodeBody(resp, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

func decodeBody(resp *http.Response, v any) error {
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("decode answer to %s %s: %w", resp.Request.Method, resp.Request.URL.Path, err)
	}
	return nil
}

func podsPath(namespace string) string {
	return "/api/v1/namespaces/" + url.PathEscape(namespace) + "/pods"
}

func podPath(namespace, name string) string {
	return podsPath(namespace) + "/" + url.PathEscape(name)
}

// Events returns the events of namespace ("" for all) that fieldSelector (may be "") selects.
func (c *Client) Events(ctx context.Context, namespace, fieldSelector string) ([]corev1.Event, error) {
	path := eventsPath(namespace)
	q := url.Values{}
	if fieldSelector != "" {
		q.Set("fieldSelector", fieldSelector)
	}
	list, err := getJSON[corev1.EventList](ctx, c, path, q)
	if err != nil {
		return nil, err
	}
	return list.Items, nil
}
