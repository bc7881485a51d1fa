package nsinit

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Security is the identity and confinement a container process gets on its way to execve:
// runtime derives it from the pod's securityContext (kubelet + runc semantics), the child
// applies it.
type Security struct {
	UID, GID uint32
	Groups   []uint32 // supplementary groups
	// Caps is the bounding set: what a root process gets as its effective set after execve (a
	// non-root process gets none, as under containerd). Privileged keeps every capability.
	Caps         []int
	Privileged   bool // every capability and device, nothing masked, /sys writable
	NoNewPrivs   bool
	ReadOnlyRoot bool
	// Seccomp is a compiled classic BPF program (struct sock_filter array, native byte order);
	// empty means unconfined.
	Seccomp []byte
	// NofileSoft and NofileHard are RLIMIT_NOFILE; 0 leaves the inherited limit.
	NofileSoft, NofileHard uint64
	// OOMScoreAdj is written to /proc/self/oom_score_adj; 0 leaves the inherited value.
	OOMScoreAdj int
	// Sysctls are "name=value" pairs written in the pod's network and IPC namespaces (which
	// the child is in) before /proc/sys is made read-only.
	Sysctls []string
}

// applyLimits sets the rlimit and the OOM score; it runs while the child still has its
// capabilities.
func applyLimits(s *Security) error {
	if s.NofileHard != 0 {
		lim := unix.Rlimit{Cur: s.NofileSoft, Max: s.NofileHard}
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
			return fmt.Errorf("setrlimit RLIMIT_NOFILE %d:%d: %w", lim.Cur, lim.Max, err)
		}
	}
	if s.OOMScoreAdj != 0 {
		return writeOOMScoreAdj(s.OOMScoreAdj)
	}
	return nil
}

// writeOOMScoreAdj sets the score; lowering it below what podd's own ancestry allowed needs
// CAP_SYS_RESOURCE, which a podd without it (the test host) lacks: then the process keeps
// the lowest score it may have (podd's own), as the kubelet's runtime would fail only in a
// user namespace, and says nothing.
func writeOOMScoreAdj(v int) error {
	err := os.WriteFile("/proc/self/oom_score_adj", []byte(strconv.Itoa(v)), 0)
	if errors.Is(err, unix.EACCES) && v < 0 {
		return nil
	}
	if err != nil {
		return fmt.Errorf("oom_score_adj %d: %w", v, err)
	}
	return nil
}

// setCredentials switches to the container's user, group and supplementary groups. For a
// non-root user the kernel clears the permitted and effective capabilities here.
//
// It changes the calling thread only, the one that execs (init locks it): execve gives the new
// program that thread's credentials and ends the Go runtime's other threads, and capset, the
// seccomp filter and setgroups already act on this thread alone. The setresgid/setresuid of
// syscall and x/sys apply to every thread of the process: they signal each of the runtime's
// other threads (four in podd-nsinit) to make the call too, 8 signal deliveries and wake-ups
// per container start for threads that are about to go (BenchmarkCredentials).
func setCredentials(s *Security) error {
	groups := make([]int, len(s.Groups))
	for i, g := range s.Groups {
		groups[i] = int(g)
	}
	if err := unix.Setgroups(groups); err != nil {
		return fmt.Errorf("setgroups %v: %w", s.Groups, err)
	}
	gid := uintptr(s.GID)
	if _, _, errno := unix.RawSyscall(sysSetresgid, gid, gid, gid); errno != 0 {
		return fmt.Errorf("setgid %d: %w", s.GID, errno)
	}
	uid := uintptr(s.UID)
	if _, _, errno := unix.RawSyscall(sysSetresuid, uid, uid, uid); errno != 0 {
		return fmt.Errorf("setuid %d: %w", s.UID, errno)
	}
	return nil
}

func setNoNewPrivs() error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl no_new_privs: %w", err)
	}
	return nil
}

// sockFilterSize is sizeof(struct sock_filter).
const sockFilterSize = 8

// loadSeccomp installs the compiled filter on the calling thread, the one that execs. It
// needs no_new_privs or CAP_SYS_ADMIN.
func loadSeccomp(prog []byte) error {
	if len(prog) == 0 {
		return nil
	}
	if len(prog)%sockFilterSize != 0 || len(prog)/sockFilterSize > 0xffff {
		return fmt.Errorf("seccomp: a program of %d bytes is no sock_filter array", len(prog))
	}
	fprog := unix.SockFprog{Len: uint16(len(prog) / sockFilterSize), Filter: (*unix.SockFilter)(unsafe.Pointer(&prog[0]))}
	_, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&fprog)))
	if errno != 0 {
		return fmt.Errorf("seccomp: load filter: %w", errno)
	}
	return nil
}
