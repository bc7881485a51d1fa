// Package seccomp turns seccomp profiles into the classic BPF programs nsinit loads: the
// RuntimeDefault profile (containerd's and Docker's default, from github.com/moby/profiles)
// and Localhost profiles (the same JSON format) are resolved for the container's bounding
// capabilities, this architecture and this kernel, then assembled into classic BPF by asm.go
// (pure Go: no libseccomp, no cgo; system call numbers from github.com/elastic/go-seccomp-bpf's
// tables). Programs are cached per profile content and capability set, so a container start
// pays a map lookup.
//
// Where the result differs from libseccomp's: the filter allows only the native architecture
// (x86-64 here): a 32-bit or x32 system call gets the profile's default action, so 32-bit
// binaries do not run under a profile; rules are matched in the profile's order, first match
// wins (the default profile never lists a call twice with different actions); the conditions
// of one rule are ANDed, also several on one argument (runc ORs those); comparisons are
// 64-bit; the program is a linear list of numbers and ranges of consecutive numbers
// (libseccomp builds a tree), consecutive rules allowing one call for values of one argument
// (the default profile's socket families) tested as one set of values.
package seccomp

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/elastic/go-seccomp-bpf/arch"
	profiles "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

type cacheKey struct {
	profile [sha256.Size]byte // sha256 of the profile's JSON; zero for RuntimeDefault
	caps    string            // the sorted bounding set
}

var (
	mu    sync.Mutex
	cache = map[cacheKey][]byte{}
)

// RuntimeDefault is the default profile's program for a container with the bounding
// capabilities caps (names such as "CAP_SYS_ADMIN").
func RuntimeDefault(caps []string) ([]byte, error) {
	return cached(cacheKey{caps: capsKey(caps)}, func(rs *specs.Spec) (*specs.LinuxSeccomp, error) {
		return profiles.GetDefaultProfile(rs)
	}, caps)
}

// Localhost is the program of a JSON profile (Docker / moby format) for a container with the
// bounding capabilities caps. A profile without default action nor rules is unconfined: nil.
func Localhost(profile []byte, caps []string) ([]byte, error) {
	return cached(cacheKey{profile: sha256.Sum256(profile), caps: capsKey(caps)}, func(rs *specs.Spec) (*specs.LinuxSeccomp, error) {
		return profiles.LoadProfile(string(profile), rs)
	}, caps)
}

func capsKey(caps []string) string {
	s := slices.Clone(caps)
	slices.Sort(s)
	return fmt.Sprint(s)
}

func cached(k cacheKey, load func(*specs.Spec) (*specs.LinuxSeccomp, error), caps []string) ([]byte, error) {
	mu.Lock()
	prog, ok := cache[k]
	mu.Unlock()
	if ok {
		return prog, nil
	}
	rs := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: caps}}}
	resolved, err := load(rs)
	if err != nil {
		return nil, fmt.Errorf("seccomp profile: %w", err)
	}
	if resolved != nil {
		if prog, err = Compile(resolved); err != nil {
			return nil, err
		}
	}
	mu.Lock()
	cache[k] = prog
	mu.Unlock()
	return prog, nil
}

// Compile assembles a resolved profile into a sock_filter array in native byte order.
func Compile(p *specs.LinuxSeccomp) ([]byte, error) {
	native, err := arch.GetInfo("")
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	def, err := action(p.DefaultAction, p.DefaultErrnoRet)
	if err != nil {
		return nil, fmt.Errorf("seccomp defaultAction: %w", err)
	}
	a := &asm{}
	a.prologue(uint32(native.ID), native.SeccompMask != 0, def)
	for i := 0; i < len(p.Syscalls); {
		if n := equalRun(p.Syscalls[i:]); n > 1 {
			if err := a.equalRules(p.Syscalls[i:i+n], native); err != nil {
				return nil, fmt.Errorf("seccomp syscalls[%d:%d] %v: %w", i, i+n, p.Syscalls[i].Names, err)
			}
			i += n
			continue
		}
		if err := a.rule(p.Syscalls[i], native); err != nil {
			return nil, fmt.Errorf("seccomp syscalls[%d] %v: %w", i, p.Syscalls[i].Names, err)
		}
		i++
	}
	a.ret(def)
	return a.assemble()
}

// equalRun is how many rules from the first one allow one call when one argument equals a
// value, the same call, action, argument and high word each time (the default profile's
// socket families and personality values): their values are one set, matched as ranges.
func equalRun(rules []specs.LinuxSyscall) int {
	one := func(sc specs.LinuxSyscall) bool {
		return len(sc.Names) == 1 && len(sc.Args) == 1 && sc.Args[0].Op == specs.OpEqualTo && sc.Args[0].Index <= 5
	}
	first := rules[0]
	if !one(first) {
		return 0
	}
	n := 1
	for _, sc := range rules[1:] {
		if !one(sc) || sc.Names[0] != first.Names[0] || sc.Action != first.Action ||
			!sameErrno(sc.ErrnoRet, first.ErrnoRet) || sc.Args[0].Index != first.Args[0].Index ||
			sc.Args[0].Value>>32 != first.Args[0].Value>>32 {
			break
		}
		n++
	}
	return n
}

func sameErrno(a, b *uint) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// equalRules emits a run equalRun found: the call's number, the argument's high word, then
// its low word among the values.
func (a *asm) equalRules(rules []specs.LinuxSyscall, native *arch.Info) error {
	first := rules[0]
	nr, ok := native.SyscallNames[first.Names[0]]
	if !ok {
		return nil // not on this architecture
	}
	act, err := action(first.Action, first.ErrnoRet)
	if err != nil {
		return err
	}
	los := make([]uint32, len(rules))
	for i, sc := range rules {
		los[i] = uint32(sc.Args[0].Value)
	}
	slices.Sort(los)
	a.equalGroup(uint32(nr), first.Args[0].Index, uint32(first.Args[0].Value>>32), slices.Compact(los), act)
	return nil
}

// rule emits one profile rule; names this architecture does not have are passed over (as
// libseccomp does).
func (a *asm) rule(sc specs.LinuxSyscall, native *arch.Info) error {
	errnoRet := uint(unix.EPERM)
	if sc.ErrnoRet != nil {
		errnoRet = *sc.ErrnoRet
	}
	act, err := action(sc.Action, &errnoRet)
	if err != nil {
		return err
	}
	for _, c := range sc.Args {
		if err := checkArg(c); err != nil {
			return err
		}
	}
	var nrs []uint32
	for _, name := range sc.Names {
		if nr, ok := native.SyscallNames[name]; ok {
			nrs = append(nrs, uint32(nr))
		}
	}
	slices.Sort(nrs)
	nrs = slices.Compact(nrs)
	if len(sc.Args) == 0 {
		a.match(nrs, act)
		return nil
	}
	for _, nr := range nrs {
		a.conditional(nr, sc.Args, act)
	}
	return nil
}

func checkArg(c specs.LinuxSeccompArg) error {
	if c.Index > 5 {
		return fmt.Errorf("argument index %d out of 0..5", c.Index)
	}
	switch c.Op {
	case specs.OpNotEqual, specs.OpLessThan, specs.OpLessEqual, specs.OpEqualTo,
		specs.OpGreaterEqual, specs.OpGreaterThan, specs.OpMaskedEqual:
		return nil
	}
	return fmt.Errorf("operator %q is not supported", c.Op)
}

func action(a specs.LinuxSeccompAction, errnoRet *uint) (uint32, error) {
	switch a {
	case specs.ActAllow:
		return unix.SECCOMP_RET_ALLOW, nil
	case specs.ActErrno:
		errno := uint(unix.EPERM)
		if errnoRet != nil {
			errno = *errnoRet
		}
		if errno > unix.SECCOMP_RET_DATA {
			return 0, fmt.Errorf("errnoRet %d out of range", errno)
		}
		return unix.SECCOMP_RET_ERRNO | uint32(errno), nil
	case specs.ActKill, specs.ActKillThread:
		return unix.SECCOMP_RET_KILL_THREAD, nil
	case specs.ActKillProcess:
		return unix.SECCOMP_RET_KILL_PROCESS, nil
	case specs.ActTrap:
		return unix.SECCOMP_RET_TRAP, nil
	case specs.ActLog:
		return unix.SECCOMP_RET_LOG, nil
	}
	return 0, errors.New("action " + string(a) + " is not supported (podd has no tracer nor notify listener)")
}
