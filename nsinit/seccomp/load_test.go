package seccomp

import (
	"runtime"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// load installs prog on every thread of this (test) process, as nsinit does on its one.
func load(prog []byte) error {
	runtime.LockOSThread()
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return err
	}
	fprog := unix.SockFprog{Len: uint16(len(prog) / 8), Filter: (*unix.SockFilter)(unsafe.Pointer(&prog[0]))}
	_, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog)))
	if errno != 0 {
		return errno
	}
	return nil
}

// BenchmarkLoadRuntimeDefault is the kernel's share of a container start: installing the
// default program (no_new_privs, then seccomp(2)) on a fresh thread, which then exits;
// "thread" is the same without the filter, the baseline to subtract.
func BenchmarkLoadRuntimeDefault(b *testing.B) {
	prog, err := RuntimeDefault(defaultCaps)
	if err != nil {
		b.Fatal(err)
	}
	for _, load := range []bool{false, true} {
		name := map[bool]string{false: "thread", true: "load"}[load]
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				errc := make(chan error)
				go func() {
					runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
					if !load {
						errc <- nil
						return
					}
					errc <- loadOnThread(prog)
				}()
				if err := <-errc; err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(prog)/8), "insns")
		})
	}
}

func loadOnThread(prog []byte) error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return err
	}
	fprog := unix.SockFprog{Len: uint16(len(prog) / 8), Filter: (*unix.SockFilter)(unsafe.Pointer(&prog[0]))}
	_, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&fprog)))
	if errno != 0 {
		return errno
	}
	return nil
}
