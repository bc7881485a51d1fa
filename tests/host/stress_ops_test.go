package host

import (
	"context"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// The operations of TestStressFeatures (stress_features_test.go), each run in a loop by a worker.

// attach sends a line to a container that answers it and exits: the answer comes back, or the
// attach meets the run ending (nothing, or the line eaten by the next run) or is refused naming
// the pod (not running between runs).
func (s *stressRun) attach(pod string) {
	r := s.d.CtlStdin("hi\n", "attach", "-i", pod)
	if r.Code == 0 && onlyAnswers(r.Stdout) {
		s.saw("attach answered", strings.Contains(r.Stdout, "got hi"))
		return
	}
	if namesPod(r, pod) && !strings.Contains(r.Stderr, "podd restart") {
		s.saw("attach refused", true)
		return
	}
	s.fail("attach -i %s: %s", pod, r)
}

// onlyAnswers: what attach printed is "got hi" lines, or, a tty echoing input, "hi" lines (the
// input of an attach that came once the run had its line).
func onlyAnswers(out string) bool {
	for _, l := range strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n") {
		if l != "" && l != "hi" && l != "got hi" {
			return false
		}
	}
	return true
}

// attachOnceChurn applies a stdinOnce pod (tty every other time), attaches, and deletes it
// while a second attach may still run.
func (s *stressRun) attachOnceChurn(w, n int) {
	name, tty := fmt.Sprintf("once-%d-%d", w, n), []string{"false", "true"}[n%2]
	if r := s.d.CtlStdin(stdinPod(name, tty, "true"), "apply", "-f", "-"); r.Code != 0 {
		s.fail("apply %s: %s", name, r)
		return
	}
	done := make(chan struct{})
	go func() { defer close(done); s.attach(name) }()
	s.attach(name)
	if r := s.d.Ctl("delete", "pod", name); r.Code != 0 {
		s.fail("delete pod %s: %s", name, r)
	}
	<-done
}

// hookChurn applies a pod whose first container's postStart hook holds the second back, labels
// and annotates it (rewriting its downwardAPI volume while a crashes and restarts) and deletes
// it at some point during the hook or after.
func (s *stressRun) hookChurn(w, n int) {
	name := fmt.Sprintf("hooked-%d-%d", w, n)
	if r := s.d.CtlStdin(hookedPod(name), "apply", "-f", "-"); r.Code != 0 {
		s.fail("apply %s: %s", name, r)
		return
	}
	var wg sync.WaitGroup
	wg.Go(func() { s.relabel(name, n) })
	time.Sleep(time.Duration(n%4) * 300 * time.Millisecond)
	if r := s.d.Ctl("delete", "pod", name); r.Code != 0 {
		s.fail("delete pod %s: %s", name, r)
	}
	wg.Wait()
}

// forwardChurn applies a web server pod, forwards a port to it and deletes it once a connection
// was answered, while more are being opened.
func (s *stressRun) forwardChurn(ctx context.Context, n int) {
	name := fmt.Sprintf("fwd-%d", n)
	manifest := strings.Replace(probedPod, "{name: probed}", "{name: "+name+"}", 1)
	if r := s.d.CtlStdin(manifest, "apply", "-f", "-"); r.Code != 0 {
		s.fail("apply %s: %s", name, r)
		return
	}
	answered := make(chan struct{})
	fctx, stop := context.WithTimeout(ctx, 15*time.Second)
	defer stop()
	var wg sync.WaitGroup
	wg.Go(func() { s.forward(fctx, name, answered) })
	select {
	case <-answered:
	case <-fctx.Done():
	}
	if r := s.d.Ctl("delete", "pod", name); r.Code != 0 {
		s.fail("delete pod %s: %s", name, r)
	}
	wg.Wait()
}

// relabel changes the pod's labels and annotations a few times, and once the image of its
// container b (a strategic merge patch: b restarts with it, maybe while a's hook runs or the pod
// is being deleted).
func (s *stressRun) relabel(pod string, n int) {
	image := strings.TrimPrefix(strings.TrimSuffix(testImage, ":latest"), "oci:") + ".rootfs"
	for i := range 3 {
		for _, args := range [][]string{
			{"label", "--overwrite", "pod", pod, fmt.Sprintf("n=%d-%d", n, i)},
			{"annotate", "--overwrite", "pod", pod, fmt.Sprintf("note=%d", i)},
			{"patch", "pod", pod, "-p", `{"spec":{"containers":[{"name":"b","image":"` + image + `"}]}}`},
		} {
			r := s.d.Ctl(args...)
			if r.Code != 0 && !namesPod(r, pod) {
				s.fail("%s: %s", args[0], r)
			}
			s.saw(args[0]+" done", r.Code == 0)
		}
	}
}

// forward runs port-forward to the pod's 8080 (again while the pod is not running yet) and opens
// connections until port-forward ends, as the pod goes: each failure names the pod or is
// kubectl's "pod is not running". answered is closed at the first answer.
func (s *stressRun) forward(ctx context.Context, pod string, answered chan struct{}) {
	defer func() {
		select {
		case <-answered:
		default:
			close(answered)
		}
	}()
	for ctx.Err() == nil {
		pf := s.d.CtlStream("port-forward", "pod/"+pod, ":8080")
		local := s.forwarding(ctx, pf, pod)
		for ctx.Err() == nil && local != "" && s.connect(local, answered) {
			time.Sleep(50 * time.Millisecond)
		}
		_ = pf.cmd.Process.Kill()
		<-pf.done
		if strings.Contains(pf.Output(), "NotFound") || strings.Contains(pf.Output(), "not found") {
			return // the pod is gone
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// forwarding waits for port-forward's local port; "" when it ended (it must say why, naming the
// pod or that it is not running).
func (s *stressRun) forwarding(ctx context.Context, pf *stream, pod string) string {
	for ctx.Err() == nil {
		if m := forwardingFrom.FindStringSubmatch(pf.Output()); m != nil {
			return m[1]
		}
		select {
		case <-pf.done:
			if out := pf.Output(); !strings.Contains(out, pod) && !strings.Contains(out, "NotFound") &&
				!strings.Contains(out, "unable to forward port because pod is not running") {
				s.fail("port-forward %s: %v: %q", pod, pf.err, out)
			}
			return ""
		case <-time.After(50 * time.Millisecond):
		}
	}
	return ""
}

// connect makes one HTTP request through the forwarded port; false when it could not connect.
func (s *stressRun) connect(local string, answered chan struct{}) bool {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+local, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(c, "GET /hostname HTTP/1.0\r\n\r\n")
	b, _ := io.ReadAll(c)
	if strings.HasPrefix(string(b), "HTTP/1.") && strings.Contains(string(b), " 200 ") {
		s.saw("port-forward answered", true)
		select {
		case <-answered:
		default:
			close(answered)
		}
	}
	return true
}

// followLogs2 follows a pod whose log rotates: every line printed is a whole "line N of the run".
func (s *stressRun) followLogs2(ctx context.Context, pod string) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, podctlBin, "logs", "-f", "--tail", "5", pod)
	cmd.Env = append(cmd.Environ(), "PODD_SOCKET="+s.d.Socket)
	b, err := cmd.Output()
	out := string(b)
	if err != nil && ctx.Err() == nil {
		s.fail("logs -f %s: %v: %s", pod, err, out)
		return
	}
	s.saw("logs -f printed", out != "")
	s.checkLines("logs -f "+pod, out, ctx.Err() != nil)
}

// previousLogs reads the last run's log (rotated): whole lines ending with the run's last, or
// kubectl's words when there is no previous run yet.
func (s *stressRun) previousLogs() {
	r := s.d.Ctl("logs", "--previous", "chatty")
	if r.Code != 0 {
		if !strings.Contains(r.Stderr, `previous terminated container "app" in pod "chatty" not found`) {
			s.fail("logs --previous chatty: %s", r)
		}
		return
	}
	s.saw("logs --previous", true)
	if !strings.HasSuffix(r.Stdout, "line 2999 of the run\n") {
		s.fail("logs --previous chatty: ends %q, want the run's last line", r.Stdout[max(0, len(r.Stdout)-60):])
	}
	s.checkLines("logs --previous chatty", r.Stdout, false)
}

// checkLines: each line is whole (the last one may be cut when the output was cut).
func (s *stressRun) checkLines(what, out string, cut bool) {
	lines := strings.Split(out, "\n")
	if cut || lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for _, l := range lines {
		var i int
		if _, err := fmt.Sscanf(l, "line %d of the run", &i); err != nil || l != fmt.Sprintf("line %d of the run", i) {
			s.fail("%s: line %q is not a whole line", what, l)
			return
		}
	}
}
