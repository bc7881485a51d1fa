package probe

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var testDialer = NewDialer()

func hostPort(t *testing.T, rawURL string) (string, int) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(u.Port())
	return u.Hostname(), port
}

func check(t *testing.T, p *corev1.Probe, target *Target) Result {
	t.Helper()
	SetDefaults(p)
	return testDialer.Checker(p, target).Check(context.Background(), target)
}

func TestTCPCheck(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	ctr := &corev1.Container{Name: "c", Ports: []corev1.ContainerPort{{Name: "svc", ContainerPort: int32(port)}}}
	target := &Target{PodIP: "127.0.0.1", Container: ctr}
	for _, ref := range []intstr.IntOrString{intstr.FromInt(port), intstr.FromString("svc"), intstr.FromString(strconv.Itoa(port))} {
		r := check(t, &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: ref}}}, target)
		if r.Outcome != Success {
			t.Fatalf("port %v: %v %q", ref.String(), r.Outcome, r.Output)
		}
	}
	l.Close()
	r := check(t, &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt(port)}}}, target)
	want := fmt.Sprintf("dial tcp 127.0.0.1:%d: connect: connection refused", port)
	if r.Outcome != Failure || r.Output != want {
		t.Fatalf("closed port: %v %q, want failure %q", r.Outcome, r.Output, want)
	}
	r = check(t, &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("nope")}}}, target)
	if r.Outcome != Unknown || !strings.Contains(r.Output, "couldn't find port: nope") {
		t.Fatalf("unknown port name: %v %q", r.Outcome, r.Output)
	}
}

func TestTCPCheckTimeout(t *testing.T) {
	port := fullListener(t)
	r := check(t, &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt(port)}}},
		&Target{PodIP: "127.0.0.1"})
	if want := fmt.Sprintf("dial tcp 127.0.0.1:%d: i/o timeout", port); r.Outcome != Failure || r.Output != want {
		t.Fatalf("%v %q, want %q", r.Outcome, r.Output, want)
	}
	if r.Took < 900*time.Millisecond || r.Took > 1500*time.Millisecond {
		t.Fatalf("took %v, want timeoutSeconds 1", r.Took)
	}
}

func TestHTTPCheck(t *testing.T) {
	var got *http.Request
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { got = r; fmt.Fprint(w, "fine") })
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/local", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/away", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://elsewhere.invalid/", http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, strings.Repeat("x", 1<<20)) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tls := httptest.NewTLSServer(mux)
	defer tls.Close()
	host, port := hostPort(t, srv.URL)
	_, tlsPort := hostPort(t, tls.URL)
	target := &Target{PodIP: host, Container: &corev1.Container{Name: "c", Ports: []corev1.ContainerPort{{Name: "web", ContainerPort: int32(port)}}}}
	get := func(path string, port intstr.IntOrString, scheme corev1.URIScheme, hdr ...corev1.HTTPHeader) Result {
		return check(t, &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: path, Port: port, Scheme: scheme, HTTPHeaders: hdr}}}, target)
	}
	for _, tc := range []struct {
		path    string
		port    intstr.IntOrString
		scheme  corev1.URIScheme
		outcome Outcome
		output  string
	}{
		{"/ok", intstr.FromInt(port), "", Success, "fine"},
		{"/ok", intstr.FromString("web"), "", Success, "fine"},
		{"/ok", intstr.FromInt(tlsPort), corev1.URISchemeHTTPS, Success, "fine"},
		{"/missing", intstr.FromInt(port), "", Failure, "HTTP probe failed with statuscode: 404"},
		{"/local", intstr.FromInt(port), "", Success, "fine"},
		{"/away", intstr.FromInt(port), "", Warning, "Probe terminated redirects, Response body: <a href=\"http://elsewhere.invalid/\">Found</a>.\n\n"},
		{"/big", intstr.FromInt(port), "", Success, strings.Repeat("x", maxBody)},
		{"/loop", intstr.FromInt(port), "", Failure, fmt.Sprintf(`Get "http://%s:%d/loop": stopped after 10 redirects`, host, port)},
		{"/slow", intstr.FromInt(port), "", Failure,
			fmt.Sprintf(`Get "http://%s:%d/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, host, port)},
	} {
		r := get(tc.path, tc.port, tc.scheme)
		if r.Outcome != tc.outcome || r.Output != tc.output {
			t.Errorf("%s %s: %v %.80q, want %v %.80q", tc.scheme, tc.path, r.Outcome, r.Output, tc.outcome, tc.output)
		}
	}
	get("/ok", intstr.FromInt(port), "")
	if ua := got.Header.Get("User-Agent"); ua != UserAgent || got.Header.Get("Accept") != "*/*" || got.Host != net.JoinHostPort(host, strconv.Itoa(port)) {
		t.Fatalf("default headers: UA %q, Accept %q, Host %q", ua, got.Header.Get("Accept"), got.Host)
	}
	get("/ok", intstr.FromInt(port), "", corev1.HTTPHeader{Name: "Host", Value: "example.com"},
		corev1.HTTPHeader{Name: "User-Agent", Value: "mine"}, corev1.HTTPHeader{Name: "X-Custom", Value: "1"})
	if got.Host != "example.com" || got.Header.Get("User-Agent") != "mine" || got.Header.Get("X-Custom") != "1" {
		t.Fatalf("httpHeaders: Host %q, headers %v", got.Host, got.Header)
	}
	srv.Close()
	r := get("/ok", intstr.FromInt(port), "")
	want := fmt.Sprintf(`Get "http://%s:%d/ok": dial tcp %s:%d: connect: connection refused`, host, port, host, port)
	if r.Outcome != Failure || r.Output != want {
		t.Fatalf("closed server: %v %q, want %q", r.Outcome, r.Output, want)
	}
}
