package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// UserAgent is the kubelet's probe User-Agent for the Kubernetes version of podd's API types.
const UserAgent = "kube-probe/1.37"

// maxBody is how much of a response body the kubelet reads (and shows in a warning).
const maxBody = 10 << 10

// HTTPCheck is the httpGet handler: the kubelet's http prober. 200 <= status < 400 is a
// success; a redirect to another host is not followed and is a success with a warning.
//
// It speaks HTTP/1.1 itself over a connection dialled from the pod's namespace (one request,
// Connection: close, as the kubelet's transport without keep-alive), with net/http's request
// writer and response reader: no Transport, whose two goroutines per connection cost more than
// the probe.
type HTTPCheck struct {
	sockets *Sockets
	url     *url.URL
	host    string // the Host header given in httpHeaders, else ""
	header  http.Header
	timeout time.Duration
}

// newHTTPCheck builds the probe's URL (scheme://host:port/path, host the pod IP by default)
// and headers (User-Agent kube-probe/<version> and Accept */* unless given; Host sets the
// request's host).
func newHTTPCheck(s *Sockets, g *corev1.HTTPGetAction, t *Target, timeout time.Duration) (*HTTPCheck, error) {
	port, err := resolvePort(g.Port, t.Container)
	if err != nil {
		return nil, err
	}
	host := g.Host
	if host == "" {
		host = t.PodIP
	}
	if host == "" {
		host = "127.0.0.1"
	}
	u, err := url.Parse(g.Path)
	if err != nil {
		u = &url.URL{Path: g.Path}
	}
	u.Scheme = "http"
	if g.Scheme == corev1.URISchemeHTTPS {
		u.Scheme = "https"
	}
	u.Host = net.JoinHostPort(host, strconv.Itoa(port))
	h := http.Header{}
	for _, hdr := range g.HTTPHeaders {
		h.Add(hdr.Name, hdr.Value)
	}
	if _, ok := h["User-Agent"]; !ok {
		h.Set("User-Agent", UserAgent)
	}
	if _, ok := h["Accept"]; !ok {
		h.Set("Accept", "*/*")
	} else if h.Get("Accept") == "" {
		h.Del("Accept")
	}
	hostHeader := h.Get("Host")
	h.Del("Host")
	return &HTTPCheck{sockets: s, url: u, host: hostHeader, header: h, timeout: timeout}, nil
}

func (c *HTTPCheck) Check(ctx context.Context, t *Target) Result {
	start := time.Now()
	ctx, m := withMeter(ctx)
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	r := c.check(ctx, t)
	r.Took = time.Since(start)
	m.fill(&r, c.sockets.kernel)
	return r
}

// check gets the URL, following redirects as the kubelet's client does: to the same host, 10
// at most; a redirect elsewhere is judged as it is.
func (c *HTTPCheck) check(ctx context.Context, t *Target) Result {
	u, host := c.url, c.host
	for hops := 0; ; hops++ {
		status, loc, body, err := c.get(ctx, t, u, host)
		if err != nil {
			return Result{Outcome: Failure, Output: requestError(ctx, u, err)}
		}
		if loc != nil && status >= 300 && status < 400 && status != http.StatusNotModified && loc.Hostname() == c.url.Hostname() {
			if hops == 10 {
				return Result{Outcome: Failure, Output: (&url.Error{Op: "Get", URL: loc.String(), Err: errors.New("stopped after 10 redirects")}).Error()}
			}
			if loc.IsAbs() {
				host = "" // a custom Host header survives only relative redirects (net/http)
			}
			u = u.ResolveReference(loc)
			continue
		}
		switch {
		case status >= 300 && status < 400:
			return Result{Outcome: Warning, Output: fmt.Sprintf("Probe terminated redirects, Response body: %s", body)}
		case status >= 200 && status < 300:
			return Result{Outcome: Success, Output: string(body)}
		}
		return Result{Outcome: Failure, Output: fmt.Sprintf("HTTP probe failed with statuscode: %d", status)}
	}
}

// requestError reads as net/http's client error, which is what the kubelet's events show.
func requestError(ctx context.Context, u *url.URL, err error) string {
	// The connection's deadline is the context's: either may be seen first.
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		err = errors.New("context deadline exceeded (Client.Timeout exceeded while awaiting headers)")
	}
	return (&url.Error{Op: "Get", URL: u.String(), Err: err}).Error()
}

// get makes one request and returns the status, the redirect's location (nil when none) and
// at most maxBody bytes of the body.
func (c *HTTPCheck) get(ctx context.Context, t *Target, u *url.URL, host string) (int, *url.URL, []byte, error) {
	conn, err := c.connect(ctx, t, u)
	if err != nil {
		return 0, nil, nil, err
	}
	defer conn.Close()
	req := &http.Request{Method: http.MethodGet, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: c.header, Host: host, Close: true}
	if err := req.Write(conn); err != nil {
		return 0, nil, nil, err
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return 0, nil, nil, err
	}
	loc, _ := res.Location() // nil without a Location header
	return res.StatusCode, loc, body, nil
}

// connect dials u's host from the pod's namespace, with TLS for https (certificates not
// verified, as the kubelet: a probe checks liveness, not identity); the connection gives up at
// ctx's end.
func (c *HTTPCheck) connect(ctx context.Context, t *Target, u *url.URL) (net.Conn, error) {
	port, _ := strconv.Atoi(u.Port())
	if port == 0 {
		port = map[string]int{"http": 80, "https": 443}[u.Scheme]
	}
	addr, err := t.addr(ctx, u.Hostname(), port)
	if err != nil {
		return nil, err
	}
	f, err := c.sockets.dial(ctx, t.NetNS, addr)
	if err != nil {
		return nil, err
	}
	conn, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	if u.Scheme != "https" {
		return conn, nil
	}
	tc := tls.Client(conn, &tls.Config{InsecureSkipVerify: true, ServerName: u.Hostname()}) // #nosec: kubelet's choice
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return tc, nil
}
