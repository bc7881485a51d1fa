package host

import (
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf/btf"
	"github.com/podd/podd/internal/testutil"
)

// podctl info on this host: the hybrid cgroup mode, and the OOM watcher on eBPF where the kernel
// has BTF (the tracepoint program on 6.8+) and the probe latency from sock/inet_sock_set_state,
// then the fallbacks (memory.events, podd's own connect timing) with --ebpf=false.
func TestInfo(t *testing.T) {
	if _, err := btf.LoadKernelSpec(); err != nil {
		testutil.Unavailable(t, "kernel BTF: "+err.Error())
	}
	d := StartPodd(t)
	out := d.MustCtl("info")
	t.Log("\n" + out)
	for _, want := range []string{"version: ", "cgroup: ", "oom-watch: ebpf (", "probe-latency: ebpf (sock/inet_sock_set_state)"} {
		if !strings.Contains(out, want) {
			t.Errorf("podctl info lacks %q", want)
		}
	}
	if err := d.Shutdown(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	d = StartPodd(t, "--ebpf=false")
	out = d.MustCtl("info")
	for _, want := range []string{"oom-watch: memory.events (fallback: --ebpf=false)", "probe-latency: user-space timing (fallback: --ebpf=false)"} {
		if !strings.Contains(out, want) {
			t.Errorf("podctl info with --ebpf=false lacks %q:\n%s", want, out)
		}
	}
}
