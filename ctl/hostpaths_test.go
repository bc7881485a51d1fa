package ctl

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/podd/podd/api"
	"github.com/podd/podd/api/podconn"
	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/ctl/local"
	"github.com/podd/podd/internal/fakebackend"
	"github.com/podd/podd/internal/testutil"
	"golang.org/x/sys/unix"
	"unsafe"
)

// rootedBackend is the fake backend with a container root (cp's files route): a copy through
// it would really happen, into or out of root.
type rootedBackend struct {
	*fakebackend.Backend
	root string
}

func (b rootedBackend) ContainerRoot(context.Context, string, string, string) (*os.File, error) {
	return os.Open(b.root)
}

// accessTracer reports every open, read, create or write in a directory (and of the directory
// itself) with inotify: what the kernel saw, whatever code path podd took.
type accessTracer struct{ fd int }

func traceDir(t *testing.T, dir string) *accessTracer {
	t.Helper()
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		t.Fatalf("inotify: %v", err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	mask := uint32(unix.IN_OPEN | unix.IN_ACCESS | unix.IN_CREATE | unix.IN_MODIFY | unix.IN_ATTRIB)
	if _, err := unix.InotifyAddWatch(fd, dir, mask); err != nil {
		t.Fatalf("inotify watch %s: %v", dir, err)
	}
	return &accessTracer{fd: fd}
}

// events returns what happened in the directory since the last call, as "name:mask".
func (a *accessTracer) events() []string {
	var out []string
	buf := make([]byte, 64<<10)
	for {
		n, err := unix.Read(a.fd, buf)
		if err != nil || n <= 0 {
			return out
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			name := strings.TrimRight(string(buf[off+unix.SizeofInotifyEvent:off+unix.SizeofInotifyEvent+int(ev.Len)]), "\x00")
			out = append(out, name+":"+maskText(ev.Mask))
			off += unix.SizeofInotifyEvent + int(ev.Len)
		}
	}
}

func maskText(m uint32) string {
	var s []string
	for bit, name := range map[uint32]string{unix.IN_OPEN: "open", unix.IN_ACCESS: "read", unix.IN_CREATE: "create", unix.IN_MODIFY: "write", unix.IN_ATTRIB: "attrib"} {
		if m&bit != 0 {
			s = append(s, name)
		}
	}
	return strings.Join(s, ",")
}

// postCommand sends req to the podctl route as any client of the socket may, not as podctl
// builds it: the files and flags are the request's.
func postCommand(t *testing.T, sock string, req wire.CommandRequest) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	code, err := podconn.New(sock).RunCommand(ctx, req, &out, &errOut)
	if err != nil {
		t.Fatalf("%q: %v", req.Args, err)
	}
	return out.String(), errOut.String(), code
}

// podd opens no path a command line names: a file a -f names is the request's (or missing from
// it), and the commands that read or write the user's files (cp, image load) or listen on the
// user's ports (port-forward) run on podctl's side only; podd refuses them. An inotify watch on
// a root-only directory holding a secret sees no open, read or create.
func TestCommandRouteOpensNoHostPath(t *testing.T) {
	testutil.RequireRoot(t)
	secretDir := t.TempDir()
	secret := filepath.Join(secretDir, "shadow")
	const content = "root:$6$never-in-a-pod-or-an-answer:19000::::::"
	if err := os.WriteFile(secret, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	podRoot := t.TempDir()
	b := fakebackend.New()
	sock := serveRooted(t, rootedBackend{Backend: b, root: podRoot})
	if _, errOut, code := thinPodctl(t, sock, twoPods, "apply", "-f", "-"); b.Pods["default/web-sync"] == nil {
		t.Fatalf("apply: %d %s", code, errOut)
	}
	tr := traceDir(t, secretDir)
	stolen := filepath.Join(secretDir, "stolen")
	for _, tc := range []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"apply", "-f", secret}, "open " + secret + ": podctl did not send it"},
		{[]string{"apply", "--filename=" + secret}, "open " + secret + ": podctl did not send it"},
		{[]string{"create", "-f", secretDir}, "open " + secretDir + ": podctl did not send it"},
		{[]string{"delete", "-f", secret}, "open " + secret + ": podctl did not send it"},
		{[]string{"diff", "-f", secret}, "open " + secret + ": podctl did not send it"},
		{[]string{"apply", "-R", "-f", secretDir}, "open " + secretDir + ": podctl did not send it"},
		{[]string{"apply", "-k", secretDir}, "unknown shorthand flag: 'k' in -k"},
		{[]string{"get", "pods", "--kubeconfig", secret}, "unknown flag: --kubeconfig"},
		{[]string{"get", "pods", "--template", secret}, "unknown flag: --template"},
		{[]string{"get", "pods", "--output-file", stolen}, "unknown flag: --output-file"},
		{[]string{"get", "pods", "-o", "jsonpath-file=" + secret}, "jsonpath-file"},
		{[]string{"get", "pods", "-o", "go-template-file=" + secret}, "go-template-file"},
		{[]string{"get", "pods", "-o", "custom-columns-file=" + secret}, "custom-columns-file"},
		{[]string{"cp", secret, "web-sync:/shadow"}, `"cp" runs on podctl's side`},
		{[]string{"cp", "web-sync:/etc", stolen}, `"cp" runs on podctl's side`},
		{[]string{"image", "load", "-i", secret}, `"image" runs on podctl's side`},
		{[]string{"image", "load", "-i", secretDir}, `"image" runs on podctl's side`},
		{[]string{"port-forward", "web-sync", "0:80"}, `"port-forward" runs on podctl's side`},
		{[]string{"exec", "web-sync", "--", "cat", "/x"}, `"exec" runs on podctl's side`},
		{[]string{"logs", "web-sync", "--since-time", secret}, "since-time"},
		{[]string{"patch", "pod", "web-sync", "--patch-file", secret}, "the patch is empty"}, // podd reads stdin
	} {
		args := append([]string{"podctl"}, tc.args...)
		out, errOut, code := postCommand(t, sock, wire.CommandRequest{Args: args})
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: %d %q, want an error with %q", tc.args, code, errOut, tc.want)
		}
		if strings.Contains(out+errOut, "never-in-a-pod") {
			t.Errorf("%q printed the secret: %q %q", tc.args, out, errOut)
		}
		if ev := tr.events(); len(ev) > 0 {
			t.Errorf("%q: podd touched %s: %q", tc.args, secretDir, ev)
		}
	}
	// a directory's entries are the request's too: one naming a host file is not read
	req := wire.CommandRequest{Args: []string{"podctl", "apply", "-f", "d"}, Files: map[string]wire.File{"d": {Entries: []string{secret, secretDir}}}}
	if _, errOut, code := postCommand(t, sock, req); code == 0 || !strings.Contains(errOut, "open "+secret+": podctl did not send it") {
		t.Errorf("apply -f d listing %s: %d %q", secret, code, errOut)
	}
	if ev := tr.events(); len(ev) > 0 {
		t.Errorf("apply -f d listing %s: podd touched it: %q", secret, ev)
	}
	// TZ names a zone in the zone database, never a file of podd's host (time.LoadLocation
	// refuses an absolute name and ".."): a copy of Asia/Tokyo there is not read either.
	zone := filepath.Join(secretDir, "zone")
	if data, err := os.ReadFile("/usr/share/zoneinfo/Asia/Tokyo"); err == nil {
		os.WriteFile(zone, data, 0o600)
		tr.events()
	}
	for _, tz := range []string{zone, ":" + zone, "../../../.." + zone, "Asia/../../../.." + zone, secret, "../../../.." + secret} {
		req := wire.CommandRequest{Args: []string{"podctl", "describe", "pod", "web-sync"}, TZ: tz}
		if _, errOut, code := postCommand(t, sock, req); code != 0 {
			t.Errorf("TZ=%s: %d %s", tz, code, errOut)
		}
		if ev := tr.events(); len(ev) > 0 {
			t.Errorf("TZ=%s: podd touched %s: %q", tz, secretDir, ev)
		}
	}
	leaked, _ := os.ReadDir(podRoot)
	for _, e := range leaked {
		t.Errorf("a host file reached the pod: %s", e.Name())
	}
	if _, err := os.Lstat(stolen); err == nil {
		t.Errorf("podd wrote %s on the host", stolen)
	}
}

// serveRooted serves b's API with the podctl route, as podd does; it returns the socket.
func serveRooted(t testing.TB, b api.Backend) string {
	t.Helper()
	return serveAPI(t, b, api.Route{Pattern: "POST " + wire.CommandPath, Handler: NewHandler(api.NewPodReader(b))})
}

// The commands podd runs for a request are exactly those podctl forwards: a new forwarded one
// missing from podctlActions would be refused by podd, a local one added there would act on
// podd's host.
func TestRouteRunsWhatPodctlForwards(t *testing.T) {
	// diff forwards its command line too, then runs KUBECTL_EXTERNAL_DIFF on the answer.
	forwarders := []uintptr{reflect.ValueOf(local.GetCommand().Action).Pointer(), reflect.ValueOf(local.DiffCommand().Action).Pointer()}
	for _, cmd := range local.Commands() {
		forwarded := slices.Contains(forwarders, reflect.ValueOf(cmd.Action).Pointer())
		if runs := podctlActions[cmd.Name] != nil; runs != forwarded {
			t.Errorf("%s: podd runs it %v, podctl forwards it %v", cmd.Name, runs, forwarded)
		}
	}
}
