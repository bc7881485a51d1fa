package host

import (
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// attachPod runs cat in a container with stdin (and tty) as given, stdinOnce: its stdin closes
// when the first attach ends, so cat exits.
func attachPod(name, tty, command string) string {
	return `apiVersion: v1
kind: Pod
metadata: {name: ` + name + `}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 0
  containers:
  - {name: c, image: ` + testImage + `, stdin: true, stdinOnce: true, tty: ` + tty + `, command: [/bin/sh, -c, '` + command + `']}
`
}

// TestAttachStdin: `attach -i` sends its input to a stdin: true container's cat, whose output
// comes back; with stdinOnce the container's stdin closes when attach ends, and cat exits 0.
func TestAttachStdin(t *testing.T) {
	d := StartPodd(t)
	d.Apply(attachPod("catter", "false", "exec cat"))
	d.WaitPod("catter", 30*time.Second, "running", podRunning)
	r := d.CtlStdin("hello from attach\n", "attach", "-i", "catter")
	if r.Code != 0 || r.Stdout != "hello from attach\n" {
		t.Errorf("attach -i: %s", r)
	}
	d.WaitPod("catter", 30*time.Second, "cat exited on EOF", func(p *corev1.Pod) error {
		if st := p.Status.ContainerStatuses[0].State.Terminated; st == nil || st.ExitCode != 0 {
			return fmt.Errorf("state %+v", p.Status.ContainerStatuses[0].State)
		}
		return nil
	})
	if out := d.MustCtl("logs", "catter"); out != "hello from attach\n" {
		t.Errorf("logs: %q", out)
	}
}

// TestAttachTTY: a tty: true container has a pty of its own devpts as its stdin and controlling
// terminal (`tty` names it, as /proc/self/fd/0 does); attach -i reaches the process through it
// (echoed by the terminal and by cat) and, with stdinOnce, ends it with ^D.
func TestAttachTTY(t *testing.T) {
	d := StartPodd(t)
	d.Apply(attachPod("tty", "true", "tty; readlink /proc/self/fd/0; exec cat"))
	d.WaitPod("tty", 30*time.Second, "running", podRunning)
	eventually(t, 10*time.Second, "the container saw its tty", func() error {
		if out := d.MustCtl("logs", "tty"); !strings.Contains(out, "/dev/pts/0\r\n/dev/pts/0\r\n") {
			return fmt.Errorf("logs %q", out)
		}
		return nil
	})
	// the controlling terminal: /proc/1/stat's tty_nr (field 7) is /dev/pts/0, 136:0
	stat := d.MustCtl("exec", "tty", "--", "cat", "/proc/1/stat")
	if f := strings.Fields(stat[strings.LastIndex(stat, ")")+1:]); len(f) < 5 || f[4] != "34816" {
		t.Errorf("the container's process has no controlling terminal: /proc/1/stat %q", stat)
	}
	r := d.CtlStdin("typed\n", "attach", "-i", "tty")
	if r.Code != 0 || strings.Count(r.Stdout, "typed") != 2 {
		t.Errorf("attach -i to a tty: %s", r)
	}
	d.WaitPod("tty", 30*time.Second, "cat exited on ^D", func(p *corev1.Pod) error {
		if st := p.Status.ContainerStatuses[0].State.Terminated; st == nil || st.ExitCode != 0 {
			return fmt.Errorf("state %+v", p.Status.ContainerStatuses[0].State)
		}
		return nil
	})
}

// attach -i to a container without stdin: true is refused, naming it.
func TestAttachNoStdin(t *testing.T) {
	d := StartPodd(t)
	d.Apply(steadyPod)
	r := d.Ctl("attach", "-i", "steady")
	if r.Code == 0 || !strings.Contains(r.Stderr, "container app of pod steady does not have stdin: true") {
		t.Errorf("attach -i without stdin: %s", r)
	}
}

// TestAttachStreams: attach keeps the process's stdout and stderr apart, as kubectl attach does.
func TestAttachStreams(t *testing.T) {
	d := StartPodd(t)
	d.Apply(attachPod("streams", "false", `while read l; do echo "out $l"; echo "err $l" >&2; done`))
	d.WaitPod("streams", 30*time.Second, "running", podRunning)
	r := d.CtlStdin("a\nb\n", "attach", "-i", "streams")
	if r.Code != 0 || r.Stdout != "out a\nout b\n" || r.Stderr != "err a\nerr b\n" {
		t.Errorf("attach -i: %s", r)
	}
}
