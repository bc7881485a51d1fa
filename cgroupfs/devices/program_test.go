package devices

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"
)

// run interprets insts (the few instructions Program emits) on one bpf_cgroup_dev_ctx: the
// kernel cannot test-run cgroup_device programs (BPF_PROG_TEST_RUN is not implemented for
// them), so the decisions are checked here and, as root, against the kernel in host_test.go.
func run(t testing.TB, insts asm.Instructions, kind Type, major, minor uint32, acc Access) bool {
	t.Helper()
	devType := uint32(unix.BPF_DEVCG_DEV_CHAR)
	if kind == Block {
		devType = unix.BPF_DEVCG_DEV_BLOCK
	}
	ctx := binary.NativeEndian.AppendUint32(nil, uint32(acc)<<16|devType)
	ctx = binary.NativeEndian.AppendUint32(ctx, major)
	ctx = binary.NativeEndian.AppendUint32(ctx, minor)
	syms := map[string]int{}
	for i, ins := range insts {
		if s := ins.Symbol(); s != "" {
			syms[s] = i
		}
	}
	var reg [11]uint64
	for pc := 0; pc < len(insts); pc++ {
		ins := insts[pc]
		op := ins.OpCode
		src := uint64(ins.Constant)
		if op.Source() == asm.RegSource {
			src = reg[ins.Src]
		}
		switch {
		case op == asm.LoadMemOp(asm.Word):
			reg[ins.Dst] = uint64(binary.NativeEndian.Uint32(ctx[ins.Offset:]))
		case op.Class() == asm.ALUClass:
			reg[ins.Dst] = uint64(alu32(t, op.ALUOp(), uint32(reg[ins.Dst]), uint32(src)))
		case op.JumpOp() == asm.Exit:
			return reg[asm.R0] == 1
		case op.JumpOp() == asm.JNE:
			if reg[ins.Dst] != src {
				pc = syms[ins.Reference()] - 1
			}
		default:
			t.Fatalf("instruction %d %v: not interpreted", pc, ins)
		}
	}
	t.Fatal("program ran off its end")
	return false
}

func alu32(t testing.TB, op asm.ALUOp, dst, src uint32) uint32 {
	switch op {
	case asm.Mov:
		return src
	case asm.And:
		return dst & src
	case asm.RSh:
		return dst >> src
	}
	t.Fatalf("ALU op %v: not interpreted", op)
	return 0
}

// The program decides every request exactly as the rule table does, over every access set,
// both types and the numbers the rules name plus neighbours.
func TestProgramMatchesRules(t *testing.T) {
	sets := map[string][]Rule{
		"default":  Default,
		"none":     nil,
		"hostPath": append(append([]Rule{}, Default...), Rule{Block, 8, 0, Read}, Rule{Char, 10, 229, RW}),
		"wildcard": {{Block, Wildcard, Wildcard, Mknod}, {Char, 4, Wildcard, Write}},
	}
	for name, rules := range sets {
		insts, err := Program(rules)
		if err != nil {
			t.Fatal(err)
		}
		for _, kind := range []Type{Char, Block} {
			for major := uint32(0); major <= 137; major++ {
				for _, minor := range []uint32{0, 1, 2, 3, 5, 7, 8, 9, 11, 229, 1 << 19} {
					for acc := Access(1); acc <= RWM; acc++ {
						want := Allows(rules, kind, major, minor, acc)
						if got := run(t, insts, kind, major, minor, acc); got != want {
							t.Fatalf("%s: %c %d:%d %s: program says %v, rules say %v", name, kind, major, minor, acc, got, want)
						}
					}
				}
			}
		}
	}
}

// What a user would check: the default set works, the host's kmsg, memory and disks do not.
func TestDefaultDecisions(t *testing.T) {
	insts, err := Program(Default)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what         string
		kind         Type
		major, minor uint32
		acc          Access
		want         bool
	}{
		{"write /dev/null", Char, 1, 3, Write, true},
		{"mknod /dev/null", Char, 1, 3, Mknod, true},
		{"read /dev/urandom", Char, 1, 9, Read, true},
		{"open a pty", Char, 136, 4, RW, true},
		{"open /dev/ptmx", Char, 5, 2, RW, true},
		{"write /dev/console", Char, 5, 1, Write, true},
		{"mknod kmsg", Char, 1, 11, Mknod, false},
		{"write kmsg", Char, 1, 11, Write, false},
		{"read /dev/mem", Char, 1, 1, Read, false},
		{"read sda", Block, 8, 0, Read, false},
		{"mknod sda", Block, 8, 0, Mknod, false},
		{"null as a block device", Block, 1, 3, Read, false},
		{"tty1", Char, 4, 1, Write, false},
	} {
		if got := run(t, insts, c.kind, c.major, c.minor, c.acc); got != c.want {
			t.Errorf("%s (%c %d:%d %s): allowed = %v, want %v", c.what, c.kind, c.major, c.minor, c.acc, got, c.want)
		}
	}
}

func TestProgramRefusesBadRules(t *testing.T) {
	for _, r := range []Rule{
		{'a', 1, 3, RWM}, {Char, -2, 3, RWM}, {Char, 1, 1 << 31, RWM}, {Char, 1, 3, 0}, {Char, 1, 3, 8},
	} {
		if _, err := Program([]Rule{r}); err == nil {
			t.Errorf("Program(%v): no error", r)
		}
	}
}

func TestRuleString(t *testing.T) {
	got := fmt.Sprint(Rule{Char, 136, Wildcard, RWM}, " ", Rule{Block, 8, 0, Read})
	if want := "c 136:* rwm b 8:0 r"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func BenchmarkProgram(b *testing.B) {
	rules := append(append([]Rule{}, Default...), Rule{Block, 8, 0, RW})
	for b.Loop() {
		if _, err := Program(rules); err != nil {
			b.Fatal(err)
		}
	}
}
