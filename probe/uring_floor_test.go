package probe

// A minimal io_uring (setup, the three mappings, submit, reap), for BenchmarkFloor's
// "http-uring" arm only: what an HTTP probe's system calls cost when a tick's connect, send and
// receive go to the kernel in one io_uring_enter instead of one call each (a null system call
// is ~1.3 µs on this host). Not used by podd.

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

type uringSQOffsets struct {
	head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
	userAddr                                                        uint64
}
type uringCQOffsets struct {
	head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
	userAddr                                                        uint64
}
type uringParams struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFd uint32
	resv                                                                   [3]uint32
	sq                                                                     uringSQOffsets
	cq                                                                     uringCQOffsets
}

type uringSQE struct {
	Opcode   uint8
	Flags    uint8
	Ioprio   uint16
	Fd       int32
	Off      uint64
	Addr     uint64
	Len      uint32
	OpFlags  uint32
	UserData uint64
	BufIndex uint16
	Pers     uint16
	SpliceIn int32
	Addr3    uint64
	Pad      uint64
}

type uringCQE struct {
	UserData uint64
	Res      int32
	Flags    uint32
}

const (
	uringConnect   = 16
	uringClose     = 19
	uringSend      = 26
	uringRecv      = 27
	uringLink      = 1 << 2
	enterGetEvents = 1
)

type uring struct {
	fd                     int
	sqMem, cqMem, sqeMem   []byte
	sqHead, sqTail, sqMask *uint32
	sqArray                []uint32
	sqes                   []uringSQE
	cqHead, cqTail, cqMask *uint32
	cqes                   []uringCQE
	pending                uint32
}

func newURing(entries uint32) (*uring, error) {
	var p uringParams
	fd, _, e := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	if e != 0 {
		return nil, fmt.Errorf("io_uring_setup: %w", e)
	}
	r := &uring{fd: int(fd)}
	sqSize := int(p.sq.array + p.sqEntries*4)
	cqSize := int(p.cq.cqes + p.cqEntries*16)
	var err error
	if r.sqMem, err = unix.Mmap(r.fd, 0, sqSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		return nil, err
	}
	if r.cqMem, err = unix.Mmap(r.fd, 0x8000000, cqSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		return nil, err
	}
	if r.sqeMem, err = unix.Mmap(r.fd, 0x10000000, int(p.sqEntries)*64, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		return nil, err
	}
	at := func(m []byte, off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&m[off])) }
	r.sqHead, r.sqTail, r.sqMask = at(r.sqMem, p.sq.head), at(r.sqMem, p.sq.tail), at(r.sqMem, p.sq.ringMask)
	r.sqArray = unsafe.Slice(at(r.sqMem, p.sq.array), p.sqEntries)
	r.sqes = unsafe.Slice((*uringSQE)(unsafe.Pointer(&r.sqeMem[0])), p.sqEntries)
	r.cqHead, r.cqTail, r.cqMask = at(r.cqMem, p.cq.head), at(r.cqMem, p.cq.tail), at(r.cqMem, p.cq.ringMask)
	r.cqes = unsafe.Slice((*uringCQE)(unsafe.Pointer(&r.cqMem[p.cq.cqes])), p.cqEntries)
	return r, nil
}

// add queues sqe for the next enter.
func (r *uring) add(sqe uringSQE) {
	i := (atomic.LoadUint32(r.sqTail) + r.pending) & *r.sqMask
	r.sqes[i] = sqe
	r.sqArray[i] = i
	r.pending++
}

// enter submits what was added and waits for min completions.
func (r *uring) enter(min uint32) error {
	atomic.StoreUint32(r.sqTail, atomic.LoadUint32(r.sqTail)+r.pending)
	n := r.pending
	r.pending = 0
	flags := uintptr(0)
	if min > 0 {
		flags = enterGetEvents
	}
	_, _, e := unix.RawSyscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(n), uintptr(min), flags, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// reap calls f on each completion there is and returns how many.
func (r *uring) reap(f func(uringCQE)) int {
	head := atomic.LoadUint32(r.cqHead)
	tail := atomic.LoadUint32(r.cqTail)
	n := 0
	for ; head != tail; head++ {
		f(r.cqes[head&*r.cqMask])
		n++
	}
	atomic.StoreUint32(r.cqHead, head)
	return n
}

func (r *uring) close() {
	unix.Munmap(r.sqeMem)
	unix.Munmap(r.cqMem)
	unix.Munmap(r.sqMem)
	unix.Close(r.fd)
}
