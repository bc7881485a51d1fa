package oom

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// BenchmarkDecodeEvent is the per-kill user-space cost of the eBPF watcher: one ring buffer
// record decoded into an Event.
func BenchmarkDecodeEvent(b *testing.B) {
	raw := oombpfEvent{KtimeNs: 1, CgroupId: 42, TotalVm: 1000, AnonRss: 900, Pid: 1234, Tid: 1234}
	copy(raw.Comm[:], "memhog")
	var buf bytes.Buffer
	if err := binary.Write(&buf, binary.NativeEndian, &raw); err != nil {
		b.Fatal(err)
	}
	rec := buf.Bytes()
	b.ReportAllocs()
	for b.Loop() {
		if e, err := decode(rec, 4096); err != nil || e.Comm != "memhog" || e.AnonRSS != 900*4096 {
			b.Fatal(e, err)
		}
	}
}
