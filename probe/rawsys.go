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

// rawRecv reads from the socket fd: recvfrom(2), not read(2), which goes through the file
// layer first.
func rawRecv(fd int, b []byte) (int, unix.Errno) {
	n, _, e := unix.RawSyscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0, 0, 0)
	return int(n), e
}

// rawSend writes to the socket fd: sendto(2), not write(2), which goes through the file layer
// first; and MSG_NOSIGNAL: a write to a reset connection is EPIPE, with no SIGPIPE to handle.
func rawSend(fd int, b []byte) (int, unix.Errno) {
	n, _, e := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), unix.MSG_NOSIGNAL, 0, 0)
	return int(n), e
}

// rawDeferAck sets TCP_DEFER_ACCEPT on the connecting socket fd (on) or clears it. On the
// connecting side it holds the handshake's last ACK back (tcp_rcv_synsent_state_process: "Save
// one ACK") until data goes out, for at most the delayed-ACK time (200 ms). It outlives a
// disconnect (connect to AF_UNSPEC), unlike TCP_QUICKACK's.
func rawDeferAck(fd int, on bool) {
	v := int32(0)
	if on {
		v = 1
	}
	unix.RawSyscall6(unix.SYS_SETSOCKOPT, uintptr(fd), unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT, uintptr(unsafe.Pointer(&v)), 4, 0)
}

func rawClose(fd int) {
	unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
}
