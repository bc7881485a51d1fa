package runtime

import (
	"net"
	"testing"

	"github.com/podd/podd/probe"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// ProbeResults: a tcp readiness probe's last run is served with its outcome, time and connect
// time; a pod podd does not have is NotFound.
func TestProbeResults(t *testing.T) {
	rt, h, clock := probeRuntime(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer ln.Close()
	tcp := corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Host: "127.0.0.1", Port: intstr.FromInt(ln.Addr().(*net.TCPAddr).Port)}}
	pod := probedPod(t, probe.Readiness, 1, tcp)
	running(t, rt, h, pod)
	advanceUntil(t, clock, "ready", func() bool { return ctrStatus(t, rt, "web", "web").Ready })
	res, err := rt.ProbeResults(pod.Namespace, pod.Name)
	must(t, err)
	if len(res.Containers) != 1 || res.Containers[0].Name != "web" || len(res.Containers[0].Probes) != 1 {
		t.Fatalf("results %+v, want one probe of web", res)
	}
	r := res.Containers[0].Probes[0]
	if r.Kind != "Readiness" || r.Outcome != "success" || r.Time.IsZero() || r.Took <= 0 || r.Connect <= 0 || r.Connect > r.Took {
		t.Errorf("last result %+v", r)
	}
	if _, err := rt.ProbeResults(pod.Namespace, "nope"); err == nil {
		t.Error("no error for a pod podd does not have")
	}
	deleteLeavesNothing(t, rt, h, "web")
}
