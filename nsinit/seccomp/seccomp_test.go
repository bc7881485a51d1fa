package seccomp

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"testing"

	"github.com/elastic/go-seccomp-bpf/arch"
	profiles "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// defaultCaps is runc's default set, by name.
var defaultCaps = []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"}

// run evaluates prog for one system call of the native architecture (or of archID) the
// way the kernel would, in x/net/bpf's VM: it loads 32-bit words big-endian, so each word
// of struct seccomp_data is written big-endian at its native offset.
func run(t *testing.T, prog []byte, archID uint32, name string, args ...uint64) uint32 {
	t.Helper()
	info, _ := arch.GetInfo("")
	nr, ok := info.SyscallNames[name]
	if !ok {
		t.Fatalf("no syscall %s", name)
	}
	data := make([]byte, 64)
	binary.BigEndian.PutUint32(data[0:], uint32(nr))
	binary.BigEndian.PutUint32(data[4:], archID)
	for i, a := range args {
		binary.BigEndian.PutUint32(data[16+8*i:], uint32(a))
		binary.BigEndian.PutUint32(data[20+8*i:], uint32(a>>32))
	}
	raw := make([]bpf.RawInstruction, len(prog)/8)
	for i := range raw {
		b := prog[8*i:]
		raw[i] = bpf.RawInstruction{Op: binary.NativeEndian.Uint16(b), Jt: b[2], Jf: b[3], K: binary.NativeEndian.Uint32(b[4:])}
	}
	insts, ok := bpf.Disassemble(raw)
	if !ok {
		t.Fatal("program does not disassemble")
	}
	vm, err := bpf.NewVM(insts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := vm.Run(data)
	if err != nil {
		t.Fatal(err)
	}
	return uint32(got)
}

const (
	allow = uint32(unix.SECCOMP_RET_ALLOW)
	eperm = uint32(unix.SECCOMP_RET_ERRNO | unix.EPERM)
	enosy = uint32(unix.SECCOMP_RET_ERRNO | unix.ENOSYS)
)

func TestRuntimeDefault(t *testing.T) {
	prog, err := RuntimeDefault(defaultCaps)
	if err != nil {
		t.Fatal(err)
	}
	native, _ := arch.GetInfo("")
	id := uint32(native.ID)
	for _, tc := range []struct {
		name string
		args []uint64
		want uint32
	}{
		{"read", nil, allow},
		{"execve", nil, allow},
		{"unshare", []uint64{unix.CLONE_NEWUSER}, eperm},
		{"mount", nil, eperm},
		{"setns", nil, eperm},
		{"bpf", nil, eperm},
		{"kexec_load", nil, eperm},
		{"clone", []uint64{uint64(unix.SIGCHLD)}, allow}, // fork
		{"clone", []uint64{unix.CLONE_NEWUSER | uint64(unix.SIGCHLD)}, eperm}, // a namespace: no
		{"clone", []uint64{unix.CLONE_THREAD | unix.CLONE_VM}, allow},         // a thread
		{"clone3", nil, enosy}, // libc falls back to clone
		{"socket", []uint64{unix.AF_INET}, allow},
		{"socket", []uint64{unix.AF_UNIX}, allow},
		{"socket", []uint64{unix.AF_NETLINK}, allow},
		{"personality", []uint64{0}, allow},
		{"personality", []uint64{8}, allow},
		{"socket", []uint64{unix.AF_INET | 1<<32}, eperm}, // high bits set
		{"personality", []uint64{0xffffffff}, allow},
		{"personality", []uint64{0x0400000}, eperm}, // READ_IMPLIES_EXEC
	} {
		if got := run(t, prog, id, tc.name, tc.args...); got != tc.want {
			t.Errorf("%s(%#x) = %#x, want %#x", tc.name, tc.args, got, tc.want)
		}
	}
	if got := run(t, prog, uint32(arch.I386.ID), "read"); got != eperm {
		t.Errorf("a foreign architecture's call = %#x, want the default action %#x", got, eperm)
	}
}

func TestRuntimeDefaultFollowsCapabilities(t *testing.T) {
	prog, err := RuntimeDefault(append([]string{"CAP_SYS_ADMIN"}, defaultCaps...))
	if err != nil {
		t.Fatal(err)
	}
	native, _ := arch.GetInfo("")
	for _, name := range []string{"unshare", "mount", "setns", "clone3"} {
		if got := run(t, prog, uint32(native.ID), name); got != allow {
			t.Errorf("with CAP_SYS_ADMIN %s = %#x, want allowed", name, got)
		}
	}
}

func TestLocalhost(t *testing.T) {
	profile := []byte(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
		{"names":["mkdir","mkdirat","no_such_call"],"action":"SCMP_ACT_ERRNO","errnoRet":13},
		{"names":["kill"],"action":"SCMP_ACT_KILL_PROCESS","args":[{"index":1,"value":9,"op":"SCMP_CMP_EQ"}]}]}`)
	prog, err := Localhost(profile, defaultCaps)
	if err != nil {
		t.Fatal(err)
	}
	native, _ := arch.GetInfo("")
	id := uint32(native.ID)
	for _, tc := range []struct {
		name string
		args []uint64
		want uint32
	}{
		{"mkdirat", nil, uint32(unix.SECCOMP_RET_ERRNO | unix.EACCES)},
		{"unshare", nil, allow},
		{"kill", []uint64{1, 9}, uint32(unix.SECCOMP_RET_KILL_PROCESS)},
		{"kill", []uint64{1, 15}, allow},
	} {
		if got := run(t, prog, id, tc.name, tc.args...); got != tc.want {
			t.Errorf("%s%v = %#x, want %#x", tc.name, tc.args, got, tc.want)
		}
	}
	for name, bad := range map[string]string{
		"notify":    `{"defaultAction":"SCMP_ACT_NOTIFY","syscalls":[]}`,
		"arg index": `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["clone"],"action":"SCMP_ACT_ERRNO","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]}`,
		"not json":  `{`,
	} {
		if _, err := Localhost([]byte(bad), defaultCaps); err == nil {
			t.Errorf("%s: compiled without error", name)
		}
	}
}

// TestComparisons checks each operator on 64-bit values around the compared one, against Go's
// own comparison.
func TestComparisons(t *testing.T) {
	const v = 0x1_0000_0005
	native, _ := arch.GetInfo("")
	values := []uint64{0, 4, 5, 6, 0x1_0000_0004, v, 0x1_0000_0006, 0x2_0000_0000, 0xffff_ffff_ffff_ffff}
	for op, holds := range map[string]func(x uint64) bool{
		"SCMP_CMP_EQ": func(x uint64) bool { return x == v }, "SCMP_CMP_NE": func(x uint64) bool { return x != v },
		"SCMP_CMP_LT": func(x uint64) bool { return x < v }, "SCMP_CMP_LE": func(x uint64) bool { return x <= v },
		"SCMP_CMP_GT": func(x uint64) bool { return x > v }, "SCMP_CMP_GE": func(x uint64) bool { return x >= v },
		"SCMP_CMP_MASKED_EQ": func(x uint64) bool { return x&v == 4 },
	} {
		profile := fmt.Sprintf(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["dup"],"action":"SCMP_ACT_ALLOW",
			"args":[{"index":2,"value":%d,"valueTwo":4,"op":%q}]}]}`, uint64(v), op)
		prog, err := Localhost([]byte(profile), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range values {
			want := eperm
			if holds(x) {
				want = allow
			}
			if got := run(t, prog, uint32(native.ID), "dup", 0, 0, x); got != want {
				t.Errorf("%s %#x against %#x = %#x, want %#x", op, x, uint64(v), got, want)
			}
		}
	}
}

// The test binary run with loadVar set loads the default profile with no_new_privs, then
// tries unshare(CLONE_NEWUSER), the heart of `unshare -r`: exit 0 means it was refused.
const loadVar = "SECCOMP_TEST_LOAD"

func init() {
	if os.Getenv(loadVar) == "" {
		return
	}
	prog, err := RuntimeDefault(defaultCaps)
	if err != nil {
		os.Exit(3)
	}
	if err := load(prog); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(4)
	}
	if err := unix.Unshare(unix.CLONE_NEWUSER); err != unix.EPERM {
		os.Stderr.WriteString("unshare: " + errString(err) + "\n")
		os.Exit(5)
	}
	os.Exit(0)
}

func errString(err error) string {
	if err == nil {
		return "allowed"
	}
	return err.Error()
}

// TestLoadInKernel has the kernel accept the default profile and refuse unshare under it.
func TestLoadInKernel(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "-test.run=^$")
	cmd.Env = append(os.Environ(), loadVar+"=1", "GOMAXPROCS=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
}

func BenchmarkCompileRuntimeDefault(b *testing.B) {
	for b.Loop() {
		resetCache()
		if _, err := RuntimeDefault(defaultCaps); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRuntimeDefaultCached is what each container start pays.
func BenchmarkRuntimeDefaultCached(b *testing.B) {
	if _, err := RuntimeDefault(defaultCaps); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := RuntimeDefault(defaultCaps); err != nil {
			b.Fatal(err)
		}
	}
}

func resetCache() {
	mu.Lock()
	clear(cache)
	mu.Unlock()
}

// TestRuntimeDefaultRanges: the default program tests runs of consecutive numbers as ranges,
// the socket families and personality values as sets (it took 581 instructions with a test per
// name and one rule per value, 1.5 ms of kernel time per container start under load), and
// still gives every system call number the action of the first rule without arguments that
// names it, or the default action when no rule does, and socket and personality the action of
// their first rule whose condition holds.
func TestRuntimeDefaultRanges(t *testing.T) {
	prog, err := RuntimeDefault(defaultCaps)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(prog) / 8; n > 200 {
		t.Errorf("the default program has %d instructions, want at most 200", n)
	}
	rs := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: defaultCaps}}}
	p, err := profiles.GetDefaultProfile(rs)
	if err != nil {
		t.Fatal(err)
	}
	native, _ := arch.GetInfo("")
	want := map[string]uint32{}
	conditional := map[string]bool{}
	for _, sc := range p.Syscalls {
		act, err := action(sc.Action, sc.ErrnoRet)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range sc.Names {
			if _, seen := want[name]; seen || conditional[name] {
				continue
			}
			if len(sc.Args) > 0 {
				conditional[name] = true
				continue
			}
			want[name] = act
		}
	}
	for name := range native.SyscallNames {
		if conditional[name] {
			continue
		}
		w, ok := want[name]
		if !ok {
			w = eperm
		}
		if got := run(t, prog, uint32(native.ID), name); got != w {
			t.Errorf("%s = %#x, want %#x", name, got, w)
		}
	}
	// The calls allowed for some values of their first argument (socket families, personality
	// values: one rule per value, matched as one set), for values around each listed one.
	for _, name := range []string{"socket", "personality"} {
		for _, v := range argValues(p, name) {
			if got, w := run(t, prog, uint32(native.ID), name, v), firstArgAction(p, name, v); got != w {
				t.Errorf("%s(%#x) = %#x, want %#x", name, v, got, w)
			}
		}
	}
}

// argValues are the values name's rules compare its first argument with, their neighbours,
// and each with a high word set.
func argValues(p *specs.LinuxSeccomp, name string) []uint64 {
	var vs []uint64
	for _, sc := range p.Syscalls {
		if len(sc.Args) == 1 && slices.Contains(sc.Names, name) {
			v := sc.Args[0].Value
			vs = append(vs, v-1, v, v+1, v|1<<32)
		}
	}
	return vs
}

// firstArgAction evaluates the profile's rules for name with first argument v (the rules of
// these calls have one EQ or LT condition on it), the default action when none matches.
func firstArgAction(p *specs.LinuxSeccomp, name string, v uint64) uint32 {
	for _, sc := range p.Syscalls {
		if !slices.Contains(sc.Names, name) {
			continue
		}
		ok := len(sc.Args) == 0
		if len(sc.Args) == 1 {
			c := sc.Args[0]
			ok = c.Op == specs.OpEqualTo && v == c.Value || c.Op == specs.OpLessThan && v < c.Value
		}
		if ok {
			act, _ := action(sc.Action, sc.ErrnoRet)
			return act
		}
	}
	return eperm
}
