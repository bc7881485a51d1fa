package ctl

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/ctl/local"
	"github.com/podd/podd/internal/fakebackend"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// serveFakeWithCommands is serveFake with podd's podctl route (NewHandler), as podd serves it.
func serveFakeWithCommands(t *testing.T) string {
	t.Helper()
	return serveWithCommands(t, fakebackend.New())
}

func serveWithCommands(t *testing.T, b *fakebackend.Backend) string {
	t.Helper()
	return serveRooted(t, b)
}

// thinPodctl runs the command line as the podctl binary does: package local's app, which has
// podd run the printing commands.
func thinPodctl(t *testing.T, sock, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	argv := append([]string{"podctl", "--socket", sock}, args...)
	code := local.Run(local.NewApp(local.Commands()), argv, strings.NewReader(stdin), &out, &errOut, local.ErrorText)
	return out.String(), errOut.String(), code
}

// What podd runs for podctl prints what podctl printed running it itself: the same stdout,
// stderr and exit status, files named by -f read on podctl's side (a relative path podd
// could not see), stdin for -f -.
func TestForwardedCommandsPrintAsBefore(t *testing.T) {
	sock := serveFakeWithCommands(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pods.yaml"), []byte(twoPods), 0o644); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chdir(wd) })
	out, errOut, code := thinPodctl(t, sock, "", "apply", "-f", "pods.yaml")
	if code != 1 || !strings.Contains(out, "pod/web-sync created") || !strings.Contains(errOut, `error when applying "pods.yaml"`) {
		t.Fatalf("apply -f pods.yaml: %d\n%s\n%s", code, out, errOut)
	}
	for _, args := range [][]string{
		{"get", "pods"}, {"get", "pods", "-A", "-o", "wide"}, {"get", "pod", "web-sync", "-o", "yaml"},
		{"describe", "pod", "web-sync"}, {"get", "pod", "nope"}, {"-n", "other", "get", "pods", "-o", "name"},
		{"get", "pods", "--sort-by", "{.metadata.name"}, {"apply", "-f", "-"}, {"apply", "-f", "missing.yaml"},
		// pods read in-process: lists, one pod, a missing one, selectors, each printer
		{"get", "pods", "-A", "-o", "json"}, {"get", "pods", "-o", "yaml"}, {"get", "pod", "nope", "-o", "json"},
		{"get", "pods", "-l", "app!=x", "-o", "name"}, {"get", "pods", "-o", "jsonpath={.items[*].metadata.name}"},
		{"get", "pods", "-A", "--sort-by", "{.metadata.namespace}", "-o", "custom-columns=N:.metadata.name"},
		{"get", "pod", "web-sync", "solo", "-o", "json"}, {"logs", "web-sync", "-c", "web"}, {"logs", "nope"},
		{"get", "pods", "-A", "--show-labels"}, {"get", "pods", "-L", "app"}, {"get", "pod", "web-sync", "nope", "-l", "a!=b"},
		{"get", "pods", "-l", "a=b"}, {"get", "pods", "-n", "nope"},
	} {
		stdin := ""
		if args[len(args)-1] == "-" {
			stdin = twoPods
		}
		same := func() (bool, string) {
			wantOut, wantErr, wantCode := podctl(t, sock, stdin, args...)
			gotOut, gotErr, gotCode := thinPodctl(t, sock, stdin, args...)
			return gotOut == wantOut && gotErr == wantErr && gotCode == wantCode,
				fmt.Sprintf("%d\n%s\n%s\nwant %d\n%s\n%s", gotCode, gotOut, gotErr, wantCode, wantOut, wantErr)
		}
		// once more on a difference: an AGE column may have turned a second between the two
		if ok, diff := same(); !ok {
			if ok, diff = same(); !ok {
				t.Errorf("%q through podd: %s", args, diff)
			}
		}
	}
}

// describe through podd prints times in podctl's zone (its TZ), not podd's.
func TestForwardedDescribeUsesPodctlsZone(t *testing.T) {
	b := fakebackend.New()
	sock := serveWithCommands(t, b)
	thinPodctl(t, sock, twoPods, "apply", "-f", "-")
	p := b.Pods["default/web-sync"]
	if p == nil {
		t.Fatalf("no pod default/web-sync in %v", b.Pods)
	}
	started := metav1.Now()
	p.Status.StartTime = &started
	zone := "Asia/Tokyo" // +0900, never podd's (this process's time.Local was read at its start)
	if _, off := time.Now().Zone(); off == 9*3600 {
		zone = "America/Halifax"
	}
	t.Setenv("TZ", zone)
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatalf("no zone data for %s: %v", zone, err)
	}
	want := time.Now().In(loc).Format("-0700")
	out, errOut, code := thinPodctl(t, sock, "", "describe", "pod", "web-sync")
	if code != 0 || !strings.Contains(out, "Start Time:") {
		t.Fatalf("describe: %d\n%s\n%s", code, out, errOut)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "Start Time:") && !strings.HasSuffix(l, want) {
			t.Errorf("%q: want the time in %s (%s)", l, zone, want)
		}
	}
}

// A hostile or broken request to the podctl route gets a 400 naming what is wrong, and the
// server keeps serving: bad JSON, an empty command line, a --socket of the request's own; a
// body past the 64 MiB bound a 413 before podd reads it.
func TestCommandRouteBadRequests(t *testing.T) {
	sock := serveFakeWithCommands(t)
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
	huge := `{"args":["podctl","get","pods"],"stdin":"` + strings.Repeat("A", maxCommandRequest) + `"}`
	type answer struct {
		code int
		text string
	}
	for body, want := range map[string]answer{
		`{"args":`:    {400, "podctl command: decode request: unexpected end of JSON input"},
		`{"args":[]}`: {400, "no command line"},
		`{"args":["podctl","--socket","/x","get","pods"]}`: {400, `"--socket" names a socket`},
		`{"args":["podctl","get","pods","--socket=/x"]}`:   {400, `"--socket=/x" names a socket`},
		huge: {413, "podctl command: request of 67108907 bytes: the limit is 67108864 bytes"},
	} {
		resp, err := hc.Post("http://podd"+wire.CommandPath, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatalf("%.40q: %v", body, err)
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want.code || !strings.Contains(string(msg), want.text) {
			t.Errorf("%.40q: %d %q, want %d with %q", body, resp.StatusCode, msg, want.code, want.text)
		}
	}
	if out, errOut, code := thinPodctl(t, sock, "", "get", "pods"); code != 0 {
		t.Errorf("get pods after the bad requests: %d %q %q", code, out, errOut)
	}
}

// Commands podd runs for podctl share one connection pool to podd: before, each left a
// keep-alive connection open (both its ends live in this process) until the server's 2-minute
// idle timeout, ~70 kB and two descriptors per command.
func TestForwardedCommandsKeepNoConnections(t *testing.T) {
	sock := serveFakeWithCommands(t)
	thinPodctl(t, sock, twoPods, "apply", "-f", "-")
	fds := func() int {
		entries, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		return len(entries)
	}
	before := fds()
	for range 50 {
		if _, errOut, code := thinPodctl(t, sock, "", "get", "pods"); code != 0 {
			t.Fatalf("get pods: %d %s", code, errOut)
		}
	}
	if grown := fds() - before; grown > 8 {
		t.Errorf("50 forwarded get pods left %d more open descriptors", grown)
	}
}
