package host

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// fill is an endless reader of one byte.
type fill byte

func (f fill) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(f)
	}
	return len(p), nil
}

// trickle sends s one byte every interval.
type trickle struct {
	s        string
	interval time.Duration
}

func (r *trickle) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	time.Sleep(r.interval)
	p[0], r.s = r.s[0], r.s[1:]
	return 1, nil
}

// rawPost sends a POST of a pod body straight on podd's socket (no podctl, no client-side
// checks), writing the body while it reads the answer, and returns the status code and the
// metav1.Status podd sent.
func rawPost(t *testing.T, sock string, length int64, body io.Reader, timeout time.Duration) (int, metav1.Status) {
	t.Helper()
	return rawRequest(t, sock, "POST /api/v1/namespaces/default/pods", "application/json", length, body, timeout)
}

// rawRequest is rawPost of any method and path ("PUT /api/v1/...").
func rawRequest(t *testing.T, sock, request, contentType string, length int64, body io.Reader, timeout time.Duration) (int, metav1.Status) {
	t.Helper()
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	fmt.Fprintf(conn, "%s HTTP/1.1\r\nHost: podd\r\n"+
		"Content-Type: %s\r\nContent-Length: %d\r\n\r\n", request, contentType, length)
	go io.Copy(conn, body) // stops with EPIPE once podd has answered and closed
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer from podd: %v", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var st metav1.Status
	if err := json.Unmarshal(data, &st); err != nil || st.Kind != "Status" {
		t.Fatalf("answer %d %q is not a Status", resp.StatusCode, data)
	}
	return resp.StatusCode, st
}

// TestHostileClient plays an attacker on the API socket: deeply nested JSON, a huge body and a
// body sent one byte at a time. podd answers each with a 4xx Status, stays up and serves
// podctl afterwards, and its memory does not grow with what it was sent.
func TestHostileClient(t *testing.T) {
	d := StartPodd(t)
	before := procStatusKiB(t, d.PID(), "VmRSS")
	deepObject := strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)
	cases := []struct {
		name    string
		length  int64
		body    func() io.Reader
		code    int
		want    string
		timeout time.Duration
	}{
		{"4 MB of [", 4_000_000, func() io.Reader { return io.LimitReader(fill('['), 4_000_000) }, 413, "too large", 30 * time.Second},
		{"2 MB of [", 2_000_000, func() io.Reader { return io.LimitReader(fill('['), 2_000_000) }, 422, "nesting depth", 30 * time.Second},
		{"10000-deep objects", int64(len(deepObject)), func() io.Reader { return strings.NewReader(deepObject) }, 422, "nesting depth", 30 * time.Second},
		{"100 MB body", 100_000_000, func() io.Reader {
			return io.MultiReader(strings.NewReader(`{"a":"`), io.LimitReader(fill('x'), 100_000_000-6))
		}, 413, "too large", 30 * time.Second},
		{"a body trickled one byte a second", 1000, func() io.Reader {
			return &trickle{s: strings.Repeat(" ", 1000), interval: time.Second}
		}, 408, "not received within", 40 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, st := rawPost(t, d.Socket, tc.length, tc.body(), tc.timeout)
			if code != tc.code || st.Code != int32(tc.code) || !strings.Contains(st.Message, tc.want) {
				t.Errorf("podd answered %d %q (%s), want %d with %q", code, st.Message, st.Reason, tc.code, tc.want)
			}
			if !d.Running() {
				t.Fatalf("podd died:\n%s", d.poddLog())
			}
			if r := d.Ctl("get", "pods"); r.Code != 0 {
				t.Fatalf("podctl get pods after the request: %s", r)
			}
		})
	}
	after, peak := procStatusKiB(t, d.PID(), "VmRSS"), procStatusKiB(t, d.PID(), "VmHWM")
	t.Logf("podd VmRSS %d kB before, %d kB after (peak %d kB)", before, after, peak)
	if delta := after - before; delta > 40<<10 {
		t.Errorf("podd's RSS grew by %d kB (more than 40 MiB)", delta)
	}
}

// TestLongPodName: a 253-character pod name (the longest Kubernetes allows) works end to end:
// apply, logs, exec, delete, and nothing is left.
func TestLongPodName(t *testing.T) {
	d := StartPodd(t)
	name := strings.Repeat("a", 240) + "-long-name-x"
	name += strings.Repeat("z", 253-len(name))
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: ` + name + `}
spec:
  containers:
  - name: app
    image: ` + testImage + `
    command: [/bin/sh, -c, "echo hello from the long name; exec sleep 3600"]
`)
	eventually(t, 10*time.Second, "logs of the long-named pod", func() error {
		r := d.Ctl("logs", name)
		if r.Code != 0 || !strings.Contains(r.Stdout, "hello from the long name") {
			return fmt.Errorf("podctl logs: %s", r)
		}
		return nil
	})
	host := strings.TrimSpace(d.MustCtl("exec", name, "--", "hostname"))
	if len(host) > 63 || !strings.HasPrefix(name, host) {
		t.Errorf("hostname %q: want the first 63 characters of the name at most", host)
	}
	for _, e := range dirEntries(d.LogDir) {
		if len(e) > 255 {
			t.Errorf("log directory name of %d bytes: %q", len(e), e)
		}
	}
	d.MustCtl("delete", "pod", name)
	d.AssertNoPods()
}
