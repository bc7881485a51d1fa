// Package deps pins dependencies that no code imports yet, so go.mod keeps them for the work
// designed for them: github.com/cilium/ebpf for the OOM and probe-latency watchers (bpf2go).
package deps

import (
	_ "github.com/cilium/ebpf"
)
