package probe

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"testing"

	"github.com/podd/podd/internal/testutil"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// newNetNS makes a network namespace with its loopback up and an HTTP server listening on
// 127.0.0.1 inside it: what a pod looks like to its probes.
func newNetNS(t *testing.T) (*os.File, int) {
	ns, l := newNetNSListener(t)
	go http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "in the pod") }))
	return ns, l.Addr().(*net.TCPAddr).Port
}

// newNetNSListener makes a network namespace with its loopback up and a TCP listener on
// 127.0.0.1 inside it, for the test to serve.
func newNetNSListener(t *testing.T) (*os.File, net.Listener) {
	t.Helper()
	testutil.RequireRoot(t) // to make a network namespace
	type made struct {
		ns  *os.File
		l   net.Listener
		err error
	}
	ch := make(chan made, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread goes with its namespace
		var m made
		defer func() { ch <- m }()
		if m.err = unix.Unshare(unix.CLONE_NEWNET); m.err != nil {
			return
		}
		lo, err := netlink.LinkByName("lo")
		if err == nil {
			err = netlink.LinkSetUp(lo)
		}
		if m.err = err; err != nil {
			return
		}
		if m.ns, m.err = os.Open("/proc/thread-self/ns/net"); m.err != nil {
			return
		}
		m.l, m.err = net.Listen("tcp", "127.0.0.1:0") // the socket is the namespace's
	}()
	m := <-ch
	if m.err != nil {
		t.Fatal(m.err)
	}
	t.Cleanup(func() { m.l.Close(); m.ns.Close() })
	return m.ns, m.l
}

func TestDialInsidePodNetns(t *testing.T) {
	ns, port := newNetNS(t)
	tcp := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt(port)}}}
	if r := check(t, tcp, &Target{NetNS: ns}); r.Outcome != Success {
		t.Fatalf("tcp in the pod's namespace: %v %q", r.Outcome, r.Output)
	}
	if r := check(t, tcp, &Target{}); r.Outcome != Failure {
		t.Fatalf("the same port in podd's own namespace must not answer: %v %q", r.Outcome, r.Output)
	}
	get := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt(port)}}}
	if r := check(t, get, &Target{NetNS: ns}); r.Outcome != Success || r.Output != "in the pod" {
		t.Fatalf("http in the pod's namespace: %v %q", r.Outcome, r.Output)
	}
	for range 100 { // the socket thread goes back to podd's namespace every time
		if r := check(t, tcp, &Target{NetNS: ns}); r.Outcome != Success {
			t.Fatalf("%v %q", r.Outcome, r.Output)
		}
	}
}
