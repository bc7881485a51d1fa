package host

import (
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf/btf"
	"github.com/podd/podd/internal/testutil"
)

// podctl info on this host: the hybrid cgroup mode, and the OOM watcher on eBPF where the kernel
// has BTF (the tracepoint program on 6.8+), then the memory.events fallback with --ebpf=false.
func TestInfo(t *testing.T) {
	if _, err := btf.LoadKernelSpec(); err != nil {
		testutil.Unavailable(t, "kernel BTF: "+err.Error())
	}
	d := StartPodd(t)
	out := d.MustCtl("info")
	t.Log("\n" + out)
	for _, want := range []string{"version: ", "cgroup: ", "oom-watch: ebpf (", "probe-latency: user-space timing"} {
		if !strings.Contains(out, want) {
			t.Errorf("podctl info lacks %q", want)
		}
	}
	if err := d.Shutdown(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	d = StartPodd(t, "--ebpf=false")
	if out := d.MustCtl("info"); !strings.Contains(out, "oom-watch: memory.events (fallback: --ebpf=false)") {
		t.Errorf("podctl info with --ebpf=false:\n%s", out)
	}
}
