// Package oom watches the kernel OOM killer: which process of which cgroup it killed, and when.
// One small interface with one implementation per mechanism (as containerd's pkg/oom): eBPF on
// the oom/mark_victim tracepoint (ebpf.go, oom.c) and, where BPF cannot be used, memory.events
// through inotify (memevents.go). Open picks one and says why.
package oom

import (
	"fmt"
	"time"
)

// Event is one OOM kill. CgroupID is the cgroup v2 id of the victim's cgroup, the inode number
// of its directory (CgroupID(dir)). The eBPF watcher fills every field; the memory.events
// watcher knows only the cgroup and how many kills it counted (Kills), not the process.
type Event struct {
	CgroupID    uint64
	PID         uint32 // thread group id of the victim (0: unknown)
	TID         uint32
	Comm        string
	UID         uint32
	OOMScoreAdj int16
	// Memory of the victim at the kill, in bytes.
	TotalVM, AnonRSS, FileRSS, ShmemRSS uint64
	// KernelTime is CLOCK_MONOTONIC at the kill (bpf_ktime_get_ns); 0 when unknown.
	KernelTime time.Duration
	Kills      uint64 // kills this event stands for (memory.events: the oom_kill increase)
}

// Message is the kernel's own wording, as the OOMKilling event shows it.
func (e Event) Message() string {
	if e.PID == 0 {
		return fmt.Sprintf("Memory cgroup out of memory: Killed process (pid unknown: memory.events oom_kill +%d)", e.Kills)
	}
	return fmt.Sprintf("Memory cgroup out of memory: Killed process %d (%s)", e.PID, e.Comm)
}

// Watcher reports OOM kills. Watch and Unwatch name the cgroup directories of interest; the
// eBPF watcher sees every cgroup anyway and ignores them.
type Watcher interface {
	Start() error
	Events() <-chan Event
	Watch(cgroupDir string) error
	Unwatch(cgroupDir string)
	// Mechanism names what the watcher runs on: "ebpf (oom/mark_victim)".
	Mechanism() string
	Close() error
}

// Open starts the eBPF watcher when useEBPF is set and the kernel allows it, else the
// memory.events watcher; why says why the fallback was taken ("" for eBPF).
func Open(useEBPF bool, program string) (w Watcher, why string, err error) {
	if useEBPF {
		b, err := NewEBPF(program)
		if err == nil {
			if err = b.Start(); err == nil {
				return b, "", nil
			}
			b.Close()
		}
		why = err.Error()
	} else {
		why = "--ebpf=false"
	}
	m, err := NewMemoryEvents()
	if err != nil {
		return nil, why, err
	}
	if err := m.Start(); err != nil {
		m.Close()
		return nil, why, err
	}
	return m, why, nil
}

const eventBuffer = 64
