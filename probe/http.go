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
type HTTPCheck struct {
	transport *http.Transport
	url       *url.URL
	header    http.Header
	timeout   time.Duration
}

type nsKey struct{}

// newTransport is the kubelet's probe transport: no keep-alive, no compression, no proxy,
// certificates not verified; its connections are dialled from the namespace in the request's
// context.
func newTransport(s *Sockets) *http.Transport {
	return &http.Transport{
		TLSClientConfig:    &tls.Config{InsecureSkipVerify: true}, // as the kubelet: probes check liveness, not identity
		DisableKeepAlives:  true,
		DisableCompression: true,
		Proxy:              nil,
		DialContext: func(ctx context.Context, network, address string) (net.Conn, error) {
			addr, err := netip.ParseAddrPort(address)
			if err != nil {
				return nil, err
			}
			ns, _ := ctx.Value(nsKey{}).(*os.File)
			f, err := s.dial(ctx, ns, addr)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			return net.FileConn(f)
		},
	}
}

// newHTTPCheck builds the probe's URL (scheme://host:port/path, host the pod IP by default)
// and headers (User-Agent kube-probe/<version> and Accept */* unless given; Host sets the
// request's host).
func newHTTPCheck(tr *http.Transport, g *corev1.HTTPGetAction, t *Target, timeout time.Duration) (*HTTPCheck, error) {
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
	u.Scheme = map[corev1.URIScheme]string{corev1.URISchemeHTTPS: "https"}[g.Scheme]
	if u.Scheme == "" {
		u.Scheme = "http"
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
	return &HTTPCheck{transport: tr, url: u, header: h, timeout: timeout}, nil
}

func (c *HTTPCheck) Check(ctx context.Context, t *Target) Result {
	start := time.Now()
	r := c.check(context.WithValue(ctx, nsKey{}, t.NetNS))
	r.Took = time.Since(start)
	return r
}

func (c *HTTPCheck) check(ctx context.Context) Result {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url.String(), nil)
	if err != nil {
		return Result{Outcome: Failure, Output: err.Error()}
	}
	req.Header = c.header.Clone()
	req.Host = c.header.Get("Host")
	client := http.Client{Transport: c.transport, CheckRedirect: localRedirects, Timeout: c.timeout}
	res, err := client.Do(req)
	if err != nil {
		return Result{Outcome: Failure, Output: err.Error()}
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return Result{Outcome: Failure, Output: err.Error()}
	}
	switch {
	case res.StatusCode >= 300 && res.StatusCode < 400:
		return Result{Outcome: Warning, Output: fmt.Sprintf("Probe terminated redirects, Response body: %s", body)}
	case res.StatusCode >= 200 && res.StatusCode < 300:
		return Result{Outcome: Success, Output: string(body)}
	}
	return Result{Outcome: Failure, Output: fmt.Sprintf("HTTP probe failed with statuscode: %d", res.StatusCode)}
}

// localRedirects is the kubelet's redirect policy: follow redirects to the same host (10 at
// most); stop at one to another host and judge that response.
func localRedirects(req *http.Request, via []*http.Request) error {
	if req.URL.Hostname() != via[0].URL.Hostname() {
		return http.ErrUseLastResponse
	}
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	return nil
}
