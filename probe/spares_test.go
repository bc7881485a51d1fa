package probe

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestTickSocketsMadeTogether: the probes of a pod that are due in the same tick get their
// sockets from one entry into the pod's network namespace, not two setns(2) each; the sockets
// are the pod's (the port listens only there), and none is left once the probes stop.
func TestTickSocketsMadeTogether(t *testing.T) {
	ns, port := newNetNS(t)
	clock := NewFakeClock(time.Unix(1000, 0))
	s := NewScheduler(clock, 4)
	defer s.Close()
	d := NewDialer()
	results := make(chan Result, 100)
	const n = 20
	var probers []*Prober
	for range n {
		p := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt(port)}}, PeriodSeconds: 10}
		SetDefaults(p)
		spec := &corev1.Container{Name: "c", ReadinessProbe: p}
		probers = append(probers, Start(s, d, spec, clock.Now(), Target{NetNS: ns}, Hooks{Result: func(_ Kind, r Result) { results <- r }}))
	}
	clock.Advance(10 * time.Second) // every first run (jittered over the first period) is due
	for range n {
		select {
		case r := <-results:
			if r.Outcome != Success {
				t.Fatalf("probe in the pod's namespace: %v %q", r.Outcome, r.Output)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("timed out waiting for the probes")
		}
	}
	if got := d.sockets.entered.Load(); got > 2 {
		t.Errorf("%d probes due together entered the pod's namespace %d times, want once (twice at most)", n, got)
	}
	for _, p := range probers {
		p.Stop()
	}
	d.sockets.spares.mu.Lock()
	defer d.sockets.spares.mu.Unlock()
	if left := len(d.sockets.spares.byKey); left != 0 {
		t.Errorf("%d namespaces still have spare sockets after their probes stopped", left)
	}
}
