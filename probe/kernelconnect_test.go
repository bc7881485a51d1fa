package probe

import (
	"errors"
	"net"
	"testing"

	"github.com/cilium/ebpf/btf"
	"github.com/podd/podd/bpf/probelat"
	"github.com/podd/podd/internal/testutil"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestKernelConnectTime: with bpf/probelat loaded, TCP and HTTP probes carry the kernel's connect
// time (SYN sent to ESTABLISHED) of their socket next to podd's, run by a Checker or on the
// scheduler's epoll set.
func TestKernelConnectTime(t *testing.T) {
	testutil.RequireRoot(t)
	if _, err := btf.LoadKernelSpec(); err != nil {
		testutil.Unavailable(t, "kernel BTF: "+err.Error())
	}
	k, err := probelat.Open()
	if errors.Is(err, unix.EPERM) {
		testutil.Unavailable(t, err.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	d := NewDialer()
	d.SetConnectTimes(k)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	target := &Target{PodIP: "127.0.0.1", Container: &corev1.Container{Name: "c"}}
	p := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt(port)}}}
	SetDefaults(p)
	for range 3 {
		r := d.Checker(p, target).Check(t.Context(), target)
		if r.Outcome != Success || r.KernelConnect <= 0 || r.KernelConnect > r.Took || r.Connect <= 0 {
			t.Fatalf("result %+v: want a success with the kernel's connect time", r)
		}
	}
	run := newLoopRun(t)
	run.d.SetConnectTimes(k)
	run.start(tcpSocket(port))
	run.start(httpGet(testServer(t), "/ok"))
	for _, r := range run.round() {
		if r.Outcome != Success || r.KernelConnect <= 0 || r.KernelConnect > r.Took || r.Connect <= 0 {
			t.Fatalf("result on the scheduler %+v: want a success with the kernel's connect time", r)
		}
	}
	l.Close()
	r := d.Checker(p, target).Check(t.Context(), target)
	if r.Outcome != Failure || r.KernelConnect != 0 || r.Connect != 0 {
		t.Fatalf("refused: %+v, want no connect times", r)
	}
}
