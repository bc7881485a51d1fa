package host

import (
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// TestDefaultTerminationLog: a container writing to the default terminationMessagePath
// (/dev/termination-log, on the container's /dev tmpfs), as root or as another user, gets that
// message in state.terminated.message; each run starts with an empty file.
func TestDefaultTerminationLog(t *testing.T) {
	d := StartPodd(t)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: termlog}
spec:
  restartPolicy: OnFailure
  terminationGracePeriodSeconds: 0
  containers:
  - name: root
    image: ` + testImage + `
    command: [/bin/sh, -c, 'cat /dev/termination-log; echo "bye from root" > /dev/termination-log; sleep 1; exit 3']
  - name: user
    image: ` + testImage + `
    command: [/bin/sh, -c, 'echo "bye from 1000" > /dev/termination-log; sleep 1']
    securityContext: {runAsUser: 1000}
`)
	p := d.WaitPod("termlog", 60*time.Second, "both containers ended once", func(p *corev1.Pod) error {
		for _, name := range []string{"root", "user"} {
			cs, err := containerStatus(p, name)
			if err != nil {
				return err
			}
			if cs.State.Terminated == nil && cs.LastTerminationState.Terminated == nil {
				return fmt.Errorf("%s: %+v", name, cs.State)
			}
		}
		return nil
	})
	for name, want := range map[string]string{"root": "bye from root\n", "user": "bye from 1000\n"} {
		cs, _ := containerStatus(p, name)
		term := cs.State.Terminated
		if term == nil {
			term = cs.LastTerminationState.Terminated
		}
		if term.Message != want {
			t.Errorf("container %s: terminated.message %q, want %q", name, term.Message, want)
		}
	}
	// The root container restarts (exit 3, OnFailure): its second run reads an empty file.
	out := d.MustCtl("logs", "termlog", "-c", "root")
	if strings.Contains(out, "bye") {
		t.Errorf("a run saw the previous run's message: %q", out)
	}
	d.MustCtl("delete", "pod", "termlog")
	d.AssertPodGone(p)
}
