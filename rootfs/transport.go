package rootfs

import (
	"fmt"
	"net"
	"net/http"
	"slices"

	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// httpGuard refuses plain-HTTP requests, redirects included, to a host that is neither a
// loopback address nor one of the store's insecure registries. go-containerregistry itself
// falls back to HTTP for private (RFC 1918) addresses and *.localhost names too; containerd
// and podd do not.
type httpGuard struct {
	next    http.RoundTripper
	allowed func(hostport string) bool
}

func (g httpGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !g.allowed(req.URL.Host) {
		return nil, fmt.Errorf("plain HTTP to %s refused: only loopback registries and those podd's "+
			"--insecure-registry names are reached without TLS", req.URL.Host)
	}
	return g.next.RoundTrip(req)
}

func (s *Store) transport() http.RoundTripper {
	next := s.Transport
	if next == nil {
		next = remote.DefaultTransport
	}
	return httpGuard{next: next, allowed: func(h string) bool { return isLoopback(h) || s.insecure(h) }}
}

// insecure reports whether registry (host[:port]) is in s.Insecure.
func (s *Store) insecure(registry string) bool { return slices.Contains(s.Insecure, registry) }

// isLoopback reports whether hostport names this machine: localhost or a loopback address.
func isLoopback(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
