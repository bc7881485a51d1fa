package probelat

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The map lookup of a probe, made as a raw bpf(2) call: it does not block, and through the Go
// runtime's syscall path (cilium/ebpf's) it would mark the thread as in a system call and,
// first of a burst, wake the runtime's monitor thread; cilium/ebpf also allocates to marshal
// the key and value. One per probe, at 1000 probes a second.

// mapElemAttr is bpf(2)'s attribute for the map element commands (union bpf_attr).
type mapElemAttr struct {
	mapFD uint32
	_     uint32
	key   unsafe.Pointer // pointers the garbage collector knows of (64-bit: amd64, arm64)
	value unsafe.Pointer
	flags uint64
}

// elemCall runs the map element command cmd on map fd with key and value.
func elemCall(cmd uintptr, fd int, key *int32, value *probelatbpfTiming) unix.Errno {
	attr := mapElemAttr{mapFD: uint32(fd), key: unsafe.Pointer(key), value: unsafe.Pointer(value)}
	_, _, e := unix.RawSyscall(unix.SYS_BPF, cmd, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
	return e
}
