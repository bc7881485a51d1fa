package host

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// TestDescribeProbeLast: `podctl describe pod` shows under each probe line its last result, with
// the total time and the connect time of TCP and HTTP probes.
func TestDescribeProbeLast(t *testing.T) {
	d := StartPodd(t)
	d.Apply(probedPods)
	d.WaitPod("ready", 10*time.Second, "ready", func(p *corev1.Pod) error {
		if !podReady(p) {
			return fmt.Errorf("conditions %v", p.Status.Conditions)
		}
		return nil
	})
	out := d.MustCtl("describe", "pod", "ready")
	for _, re := range []string{
		`(?m)^\s+Readiness:\s+http-get http://:8080/hostname .*\n\s+Last: success \d+s ago, took [0-9.]+(µs|ms) \(connect [0-9.]+(µs|ms)`,
		`(?m)^\s+Liveness:\s+tcp-socket :http .*\n\s+Last: success \d+s ago, took [0-9.]+(µs|ms) \(connect [0-9.]+(µs|ms)`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("describe pod ready does not match %s:\n%s", re, out)
		}
	}
	d.WaitPod("sick", 10*time.Second, "a failed liveness probe", func(p *corev1.Pod) error { return nil })
	time.Sleep(1500 * time.Millisecond)
	out = d.MustCtl("describe", "pod", "sick")
	if re := `(?m)^\s+Last: failure \d+s ago, took .*: HTTP probe failed with statuscode: 404`; !regexp.MustCompile(re).MatchString(out) {
		t.Errorf("describe pod sick does not match %s:\n%s", re, out)
	}
}
