package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
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
// Connection: close, as the kubelet's transport without keep-alive): the request written once
// by net/http's request writer, the response read into a pooled buffer (httpwire.go). No
// Transport, whose two goroutines per connection cost more than the probe, nor a net.Conn.
type HTTPCheck struct {
	sockets *Sockets
	url     *url.URL
	host    string // the Host header given in httpHeaders, else ""
	header  http.Header
	timeout time.Duration
	// request is the request for url and host, written on each probe's connection (or why it
	// cannot be written).
	request    []byte
	requestErr error
	hostname   string         // url's, worked out once
	addr       netip.AddrPort // url's when its host is an IP address and it is http
	addrOK     bool
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
	c := &HTTPCheck{sockets: s, url: u, host: hostHeader, header: h, timeout: timeout}
	c.request, c.requestErr = requestBytes(u, h, hostHeader)
	c.hostname = u.Hostname()
	c.addr, c.addrOK = httpAddr(u)
	return c, nil
}

func (c *HTTPCheck) dialHost(*Target) string { return c.hostname }

func (c *HTTPCheck) Check(ctx context.Context, t *Target) Result {
	start := time.Now()
	ctx, m := withMeter(ctx, start.Add(c.timeout))
	r := c.check(ctx, t)
	r.Took = time.Since(start)
	m.fill(&r)
	return r
}

// check gets the URL, following redirects as the kubelet's client does: to the same host, 10
// at most; a redirect elsewhere is judged as it is.
func (c *HTTPCheck) check(ctx context.Context, t *Target) Result {
	return c.follow(ctx, t, c.url, c.host, 0)
}

// follow gets u with Host host, the hops'th request of the probe, and the redirects after it.
func (c *HTTPCheck) follow(ctx context.Context, t *Target, u *url.URL, host string, hops int) Result {
	for ; ; hops++ {
		status, loc, body, err := c.get(ctx, t, u, host)
		r, next, nextHost := c.judge(u, host, hops, status, loc, body, err)
		if next == nil {
			return r
		}
		u, host = next, nextHost
	}
}

// judge reads the answer to the hops'th request (for u, Host host): the result, or the URL
// and Host of the redirect to follow (next non-nil).
func (c *HTTPCheck) judge(u *url.URL, host string, hops, status int, loc *url.URL, body string, err error) (r Result, next *url.URL, nextHost string) {
	if err != nil {
		return Result{Outcome: Failure, Output: requestError(u, err)}, nil, ""
	}
	if loc != nil && status >= 300 && status < 400 && status != http.StatusNotModified && u.ResolveReference(loc).Hostname() == c.url.Hostname() {
		next := u.ResolveReference(loc)
		if hops == 10 {
			return Result{Outcome: Failure, Output: (&url.Error{Op: "Get", URL: next.String(), Err: errors.New("stopped after 10 redirects")}).Error()}, nil, ""
		}
		if loc.Host != "" {
			host = "" // a custom Host header survives only redirects without a host (net/http)
		}
		return Result{}, next, host
	}
	switch {
	case status >= 300 && status < 400:
		return Result{Outcome: Warning, Output: fmt.Sprintf("Probe terminated redirects, Response body: %s", body)}, nil, ""
	case status >= 200 && status < 300:
		return Result{Outcome: Success, Output: body}, nil, ""
	}
	return Result{Outcome: Failure, Output: fmt.Sprintf("HTTP probe failed with statuscode: %d", status)}, nil, ""
}

// requestError reads as net/http's client error, which is what the kubelet's events show.
func requestError(u *url.URL, err error) string {
	// The connection's deadline is the context's: either may be seen first.
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		err = errors.New("context deadline exceeded (Client.Timeout exceeded while awaiting headers)")
	}
	return (&url.Error{Op: "Get", URL: u.String(), Err: err}).Error()
}

// get makes one request and returns the status, the Location header (nil when none) and at
// most maxBody bytes of the body.
func (c *HTTPCheck) get(ctx context.Context, t *Target, u *url.URL, host string) (int, *url.URL, string, error) {
	req, err := c.requestFor(u, host)
	if err != nil {
		return 0, nil, "", err
	}
	conn, err := c.connect(ctx, t, u)
	if err != nil {
		return 0, nil, "", err
	}
	defer conn.Close()
	if _, err := conn.Write(req); err != nil {
		return 0, nil, "", err
	}
	// Now the server has to answer; cancelled (the run stopped), the probe gives up at once.
	Blocking(ctx)
	defer context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })()
	buf := respBufs.Get().(*[]byte)
	defer respBufs.Put(buf)
	return answer(readResponse(conn, *buf))
}

// answer is a response's status, Location (nil when none) and body, copied out of the buffer.
func answer(res response, err error) (int, *url.URL, string, error) {
	if err != nil {
		return 0, nil, "", err
	}
	var loc *url.URL
	if res.location != "" {
		if loc, err = url.Parse(res.location); err != nil {
			return 0, nil, "", err
		}
	}
	return res.status, loc, string(res.body), nil
}

// requestFor is the request bytes for u with Host host: the probe's own, built once, or a
// redirect's.
func (c *HTTPCheck) requestFor(u *url.URL, host string) ([]byte, error) {
	if u != c.url || host != c.host {
		return requestBytes(u, c.header, host)
	}
	return c.request, c.requestErr
}

// conn is a probe's connection: a socket file, or TLS over it.
type conn interface {
	io.ReadWriteCloser
	SetDeadline(time.Time) error
}

// connect dials u's host from the pod's namespace, with TLS for https (certificates not
// verified, as the kubelet: a probe checks liveness, not identity); the connection gives up at
// ctx's end.
func (c *HTTPCheck) connect(ctx context.Context, t *Target, u *url.URL) (conn, error) {
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
	var conn conn = f
	if u.Scheme == "https" {
		nc, err := net.FileConn(f)
		f.Close()
		if err != nil {
			return nil, err
		}
		conn = tls.Client(nc, &tls.Config{InsecureSkipVerify: true, ServerName: u.Hostname()}) // #nosec: kubelet's choice
	}
	if d, ok := deadlineOf(ctx); ok {
		_ = conn.SetDeadline(d)
	}
	if tc, ok := conn.(*tls.Conn); ok {
		Blocking(ctx) // the handshake waits for the server
		if err := tc.HandshakeContext(ctx); err != nil {
			tc.Close()
			return nil, err
		}
	}
	return conn, nil
}
