package host

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/cilium/ebpf/btf"
	"github.com/podd/podd/internal/testutil"
	corev1 "k8s.io/api/core/v1"
)

// TestDescribeProbeLast: `podctl describe pod` shows under each probe line its last result, with
// the total time and the connect time of TCP and HTTP probes: the kernel's (eBPF, where the
// kernel has BTF) and podd's.
func TestDescribeProbeLast(t *testing.T) {
	kernel := `kernel, [0-9.]+(µs|ms) podd\)`
	if _, err := btf.LoadKernelSpec(); err != nil {
		testutil.Unavailable(t, "kernel BTF: "+err.Error())
	}
	d := StartPodd(t)
	d.Apply(probedPods)
	d.WaitPod("ready", 10*time.Second, "ready", func(p *corev1.Pod) error {
		if !podReady(p) {
			return fmt.Errorf("conditions %v", p.Status.Conditions)
		}
		return nil
	})
	out := d.MustCtl("describe", "pod", "ready")
	t.Log("\n" + out)
	for _, re := range []string{
		`(?m)^\s+Readiness:\s+http-get http://:8080/hostname .*\n\s+Last:\s+success \d+s ago, took [0-9.]+(µs|ms) \(connect [0-9.]+(µs|ms) ` + kernel,
		`(?m)^\s+Liveness:\s+tcp-socket :http .*\n\s+Last:\s+success \d+s ago, took [0-9.]+(µs|ms) \(connect [0-9.]+(µs|ms) ` + kernel,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("describe pod ready does not match %s:\n%s", re, out)
		}
	}
	// The container restarts every ~2 s on its failing probe, and a probe of a run just started
	// may find nothing listening yet: wait for a last result that is the 404.
	re := regexp.MustCompile(`(?m)^\s+Last:\s+failure \d+s ago, took .*: HTTP probe failed with statuscode: 404`)
	eventually(t, 15*time.Second, "describe pod sick shows the 404 as the last result", func() error {
		if out = d.MustCtl("describe", "pod", "sick"); !re.MatchString(out) {
			return fmt.Errorf("describe pod sick does not match %s:\n%s", re, out)
		}
		return nil
	})
}
