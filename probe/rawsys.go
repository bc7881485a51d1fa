package probe

import (
	"net/netip"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The socket system calls of a probe, made raw (RawSyscall: no entersyscall/exitsyscall). None
// of them blocks: the socket is non-blocking, and with no SO_LINGER its close does not wait.
// Through the Go runtime's syscall path each would, as the first of a burst, wake the runtime's
// monitor thread (sysmon), which then polls every 20 µs for a millisecond: at 1000 probes a
// second that was most of a TCP probe's cost beyond the kernel's own work.

// pid is podd's process id: the thread whose tid it is is the main thread.
var pid = unix.Getpid()

func onMainThread() bool {
	tid, _ := unix.RawSyscallNoError(unix.SYS_GETTID, 0, 0, 0)
	return int(tid) == pid
}

func rawSocket(family int) (int, error) {
	fd, _, e := unix.RawSyscall(unix.SYS_SOCKET, uintptr(family), unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if e != 0 {
		return -1, os.NewSyscallError("socket", e)
	}
	return int(fd), nil
}

func rawSetns(ns *os.File) error {
	if _, _, e := unix.RawSyscall(unix.SYS_SETNS, ns.Fd(), unix.CLONE_NEWNET, 0); e != 0 {
		return e
	}
	return nil
}

// rawConnect starts connecting fd to a; the errno as is (EINPROGRESS for a connect under way).
func rawConnect(fd int, a netip.AddrPort) unix.Errno {
	ip := a.Addr().Unmap()
	port := a.Port()
	var e unix.Errno
	if ip.Is4() {
		sa := unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: ip.As4()}
		p := (*[2]byte)(unsafe.Pointer(&sa.Port))
		p[0], p[1] = byte(port>>8), byte(port)
		_, _, e = unix.RawSyscall(unix.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(&sa)), unix.SizeofSockaddrInet4)
	} else {
		sa := unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: ip.As16()}
		p := (*[2]byte)(unsafe.Pointer(&sa.Port))
		p[0], p[1] = byte(port>>8), byte(port)
		_, _, e = unix.RawSyscall(unix.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(&sa)), unix.SizeofSockaddrInet6)
	}
	return e
}

// rawConnected reports whether fd's connect is done (it has a peer).
func rawConnected(fd int) bool {
	var sa unix.RawSockaddrAny
	n := uint32(unix.SizeofSockaddrAny)
	_, _, e := unix.RawSyscall(unix.SYS_GETPEERNAME, uintptr(fd), uintptr(unsafe.Pointer(&sa)), uintptr(unsafe.Pointer(&n)))
	return e == 0
}

func rawClose(fd int) {
	unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
}
