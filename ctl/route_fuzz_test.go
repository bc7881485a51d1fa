package ctl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/podd/podd/api"
	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/internal/fakebackend"
	"github.com/podd/podd/internal/testutil"
)

// commandTimeout is how long one fuzzed command may run before its request is cancelled (as
// when podctl goes away); handlerGrace is how long the handler then has to return: far more
// than it needs, so that only a hang fails under any load.
const (
	commandTimeout = 300 * time.Millisecond
	handlerGrace   = 30 * time.Second
)

// routeAnswer is what the podctl route answered one request.
type routeAnswer struct {
	status         int
	body           string // a 400's message
	stdout, stderr string
	code           int // the exit status frame; -1 without one
	// cancelled: the command still ran when its request was cancelled (get -w, logs -f, wait,
	// or a slow machine): it may end without a message.
	cancelled bool
}

// callRoute serves body on the podctl route of b (NewHandler, called directly so that a panic is the
// fuzzer's) as podd does for a request received on sock, cancels it after timeout, and fails
// the test if the handler has not returned handlerGrace later.
func callRoute(t *testing.T, b api.Backend, sock string, body []byte, timeout time.Duration) routeAnswer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ctx = context.WithValue(ctx, http.LocalAddrContextKey, &net.UnixAddr{Name: sock, Net: "unix"})
	r := httptest.NewRequest(http.MethodPost, wire.CommandPath, bytes.NewReader(body)).WithContext(ctx)
	w := httptest.NewRecorder()
	done := make(chan string, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Sprintf("%v\n%s", p, debug.Stack())
			}
			close(done)
		}()
		NewHandler(api.NewPodReader(b))(w, r)
	}()
	select {
	case p, panicked := <-done:
		if panicked {
			t.Fatalf("the podctl route panicked on %.300q: %s", body, p)
		}
	case <-time.After(timeout + handlerGrace):
		t.Fatalf("the podctl route still runs %s after its request was cancelled: %.200q", handlerGrace, body)
	}
	ans := routeAnswer{status: w.Code, code: -1, cancelled: ctx.Err() != nil}
	if w.Code != http.StatusOK {
		ans.body = w.Body.String()
		return ans
	}
	ans.stdout, ans.stderr, ans.code = readFrames(t, w.Body)
	return ans
}

// readFrames reads the answer's frames: stdout, stderr and the exit status, which must end it.
func readFrames(t *testing.T, r io.Reader) (string, string, int) {
	t.Helper()
	var out, errOut strings.Builder
	for {
		stream, p, err := wire.ReadFrame(r)
		if err != nil {
			t.Fatalf("the answer ends without an exit status: %v (stdout %.200q, stderr %.200q)", err, out.String(), errOut.String())
		}
		switch stream {
		case wire.StreamStdout:
			out.Write(p)
		case wire.StreamStderr:
			errOut.Write(p)
		case wire.StreamExit:
			code, err := strconv.Atoi(string(p))
			if err != nil {
				t.Fatalf("exit status frame %q: %v", p, err)
			}
			if _, _, err := wire.ReadFrame(r); !errors.Is(err, io.EOF) {
				t.Fatalf("a frame after the exit status: %v", err)
			}
			return out.String(), errOut.String(), code
		default:
			t.Fatalf("frame of stream %d: %q", stream, p)
		}
	}
}

// fuzzArgSep separates the arguments of a fuzzed command line (a NUL or invalid UTF-8 may be
// in one).
const fuzzArgSep = "\n"

var commandSeeds = []string{
	"get pods", "get pods -o json", "get pods -o yaml", "get pods -A -o wide", "get pods -o name",
	"get pod web-sync -o jsonpath={.metadata.name}", "get pods -o jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}",
	"get pods -o custom-columns=NAME:.metadata.name,IP:.status.podIP", "get pods -o custom-columns=",
	"get pods -o jsonpath={.items[", "get pods -o jsonpath={.items[-1:]}", "get pods -o jsonpath={..}",
	"get pods -o jsonpath={.items[0:1:9223372036854775807]}", "get pods -o jsonpath={.items[-9223372036854775808:]}",
	"get pods -o jsonpath={range}", "get pods -o jsonpath={.items[?(@.x<)]}", "get pods --sort-by {end}",
	"get pods -o custom-columns=X:{[?(@.a==\"b\")]}", "get pods --sort-by {.items[::-1]}",
	"get pods --selector app=web,tier!=db", "get pods -l a in (b,c)", "get pods -l a=(", "get pods -l !x",
	"get events --field-selector involvedObject.name=web-sync", "get events --field-selector =",
	"get pods -w", "get pods -w -o json", "get pods --sort-by {.status.startTime}", "get pods --sort-by {",
	"get pods -L app,tier --show-labels --no-headers", "get nodes", "get", "get pods a b c",
	"describe pod web-sync", "describe pods", "describe pod nope", "describe",
	"logs web-sync", "logs web-sync -c sync --tail 3", "logs web-sync --tail -5", "logs web-sync --tail x",
	"logs web-sync --since 5s", "logs web-sync --since -1h", "logs web-sync --since 1000000000000h",
	"logs web-sync --since-time 2020-01-01T00:00:00Z", "logs web-sync --since-time yesterday",
	"logs -l app=web --prefix --all-containers", "logs web-sync -f", "logs web-sync --limit-bytes -1",
	"apply -f pods.yaml", "apply -f -", "apply -f bad.yaml", "apply -f missing.yaml", "apply", "apply -f",
	"create -f pods.yaml", "apply -f dir -R", "delete -f dir", "apply -f baddir", "apply -f dir --dry-run server",
	"apply -f pods.yaml --dry-run=client", "run x --image /images/busybox --dry-run client -o yaml", "delete pods --all --dry-run bogus",
	"delete pod web-sync", "delete pods --all -A --now", "delete -f pods.yaml",
	"delete pod web-sync --grace-period 0 --force", "delete pod web-sync --wait=false", "delete pods -l app=web",
	"run x --image /images/busybox -- sh -c true", "run x --image /images/busybox --restart Sometimes",
	"run x --image /images/busybox --env A --env =B -l a=b,c", "run --image x", "run x",
	"label pod web-sync a=b c- --overwrite", "label pod web-sync =x", "annotate pod/web-sync k=v k2-",
	"wait pod web-sync --for condition=Ready --timeout 1s", "wait pod web-sync --for delete --timeout 0",
	"wait pod web-sync --for condition= --timeout x", "wait pod/web-sync --for=jsonpath={.x}=y",
	"top pod", "top pod web-sync --containers", "top pods -A", "events", "info", "info extra",
	"-n other get pods", "--namespace=other describe pod solo", "-n", "--namespace", "-n -- get pods",
	"get pods -- -o json", "get -- pods --socket /x", "--socket=/x get pods",
	"get pods --=", "get pods -", "get pods ---", "get pods -h", "help get", "help nope", "--help",
	"get pods --kubeconfig /etc/shadow", "get pods -o go-template-file=/etc/shadow", "get pods -Aw",
	"cp /etc/shadow web-sync:/x", "image load -i /etc/shadow", "port-forward web-sync 8080:80",
	"exec web-sync -- cat /etc/shadow", "completion bash", "version", "shutdown", "-n\nx\nshutdown",
	"-n ../../podd/v1/shutdown# get pods", "delete pod ../../../podd/v1/shutdown", "logs web-sync?follow=true",
	"get pods -o jsonpath=" + strings.Repeat("{", 1000), "get pods -l " + strings.Repeat("a=b,", 10000),
	"get pods \x00", "get \xff\xfe", "describe pod web-sync\x00x", "logs \xc3\x28 --tail 0x10",
}

func addCommandSeeds(f *testing.F) {
	for _, s := range commandSeeds {
		f.Add(strings.ReplaceAll(s, " ", fuzzArgSep), []byte(twoPods), "")
	}
	f.Add("describe\npod\nweb-sync", []byte(nil), "Asia/Tokyo")
	f.Add("describe\npod\nweb-sync", []byte(nil), "../../etc/passwd")
	f.Add("describe\npod\nweb-sync", []byte(nil), ":/etc/shadow")
	f.Add("apply\n-f\n-", []byte("{"), "UTC")
	f.Add("apply\n-f\n-", []byte("kind: Pod\nmetadata: {name: x}\nspec: {containers: [{name: c, image: /images/busybox}]}"), "")
}

// FuzzCommandRoute: no command line, manifest or TZ makes the podctl route panic or run past
// the cancellation of its request, every answer ends with an exit status, and a failing
// command says why on stderr.
func FuzzCommandRoute(f *testing.F) {
	addCommandSeeds(f)
	b := fakebackend.New()
	testutil.RequireRoot(f)
	sock := serveRooted(f, b)
	f.Fuzz(func(t *testing.T, argline string, manifest []byte, tz string) {
		refill(t, b, sock)
		req := wire.CommandRequest{
			Args:  append([]string{"podctl"}, strings.Split(argline, fuzzArgSep)...),
			Stdin: manifest, TZ: tz,
			Files: map[string]wire.File{"pods.yaml": {Data: manifest}, "bad.yaml": {Error: "open bad.yaml: permission denied"},
				"dir": {Entries: []string{"pods.yaml", "dir", "/etc/shadow", ""}}, "baddir": {Error: "permission denied", Entries: []string{}}},
		}
		body, err := json.Marshal(req)
		if err != nil {
			t.Fatalf("encode the request: %v", err) // strings and bytes always encode
		}
		ans := callRoute(t, b, sock, body, commandTimeout)
		select {
		case <-b.Shutdowns: // podctl runs shutdown itself, against the socket of its choice
			t.Fatalf("%q shut podd down", req.Args)
		default:
		}
		switch {
		case ans.status == http.StatusBadRequest:
			if !strings.HasPrefix(ans.body, "podctl command: ") {
				t.Fatalf("%q: 400 %q", req.Args, ans.body)
			}
		case ans.status != http.StatusOK:
			t.Fatalf("%q: %d %q", req.Args, ans.status, ans.body)
		case ans.code != 0 && strings.TrimSpace(ans.stderr) == "" && !ans.cancelled:
			t.Fatalf("%q: exit status %d with nothing on stderr (stdout %.300q)", req.Args, ans.code, ans.stdout)
		}
	})
}

// refill puts back the pods of twoPods when a fuzzed delete removed them.
func refill(t *testing.T, b *fakebackend.Backend, sock string) {
	if _, err := b.Get("default", "web-sync"); err == nil {
		return
	}
	_, errOut, _ := thinPodctl(t, sock, twoPods, "apply", "-f", "-")
	if _, err := b.Get("default", "web-sync"); err != nil {
		t.Fatalf("apply: %s", errOut)
	}
}

// FuzzCommandRouteBody: no request body makes the podctl route panic or hang; a body it cannot
// use gets a 400 naming why, any other an answer that ends with the exit status.
func FuzzCommandRouteBody(f *testing.F) {
	for _, seed := range []string{
		`{"args":["podctl","get","pods"]}`, `{"args":`, `{"args":[]}`, `{"args":null}`, `{}`, `null`, `[]`, ``,
		`{"args":["podctl","apply","-f","/etc/passwd"],"files":{"/etc/passwd":{"data":"eA=="}}}`,
		`{"args":["podctl","apply","-f","a"],"files":{"a":{"data":"!!not base64"}}}`,
		`{"args":["podctl","apply","-f","a"],"files":{"":{},"../../x":{"error":"e"},"\u0000":{"data":null}}}`,
		`{"args":["podctl","apply","-f","-"],"stdin":"e30="}`, `{"args":["podctl","apply","-f","-"],"stdin":123}`,
		`{"args":["podctl","describe","pod","web-sync"],"tz":"../../etc/passwd"}`,
		`{"args":["podctl","describe","pod","web-sync"],"tz":"/etc/shadow"}`,
		`{"args":["podctl","describe","pod","web-sync"],"tz":":Local"}`,
		`{"args":["podctl","get","pods"],"args":["podctl","--socket","/x","get"]}`,
		`{"args":["podctl",1,true,null]}`, `{"args":"podctl get pods"}`, `{"ARGS":["podctl","info"]}`,
		`{"args":["podctl","get","pods"]}{"args":["podctl","delete","pods","--all"]}`,
		`{"args":["podctl","get","pods"]} trailing`, `{"args":["\ud800","\udfff"]}`,
		`{"args":[` + strings.Repeat(`"x",`, 100000) + `"y"]}`, strings.Repeat(`[`, 100000),
	} {
		f.Add([]byte(seed))
	}
	b := fakebackend.New()
	testutil.RequireRoot(f)
	sock := serveRooted(f, b)
	f.Fuzz(func(t *testing.T, body []byte) {
		refill(t, b, sock)
		ans := callRoute(t, b, sock, body, commandTimeout)
		if ans.status != http.StatusOK && !strings.HasPrefix(ans.body, "podctl command: ") {
			t.Fatalf("%.200q: %d %q", body, ans.status, ans.body)
		}
	})
}
