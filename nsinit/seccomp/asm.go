package seccomp

import (
	"encoding/binary"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Offsets in struct seccomp_data: nr, arch, instruction_pointer, args[6].
const (
	offNr   = 0
	offArch = 4
	offArgs = 16
)

// x32Bit marks x32 system call numbers on x86-64.
const x32Bit = 0x40000000

// label names an instruction index once placed; jumps to it are resolved in assemble.
type label int

// insn is one sock_filter with symbolic jump targets (noLabel: fall through, offset 0).
type insn struct {
	code   uint16
	jt, jf label
	k      uint32
}

const noLabel label = -1

// asm builds a program forward only (classic BPF jumps forward).
type asm struct {
	insns  []insn
	labels []int // label -> instruction index, -1 until placed
}

func (a *asm) newLabel() label {
	a.labels = append(a.labels, -1)
	return label(len(a.labels) - 1)
}

func (a *asm) place(l label) { a.labels[l] = len(a.insns) }

func (a *asm) emit(code uint16, k uint32, jt, jf label) {
	a.insns = append(a.insns, insn{code: code, k: k, jt: jt, jf: jf})
}

func (a *asm) load(off uint32) { a.emit(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, off, noLabel, noLabel) }
func (a *asm) ret(v uint32)    { a.emit(unix.BPF_RET|unix.BPF_K, v, noLabel, noLabel) }
func (a *asm) and(v uint32)    { a.emit(unix.BPF_ALU|unix.BPF_AND|unix.BPF_K, v, noLabel, noLabel) }
func (a *asm) jmp(op uint16, k uint32, jt, jf label) {
	a.emit(unix.BPF_JMP|op|unix.BPF_K, k, jt, jf)
}

// prologue sends other architectures (and x32 calls) to the default action and leaves the
// system call number in A.
func (a *asm) prologue(archID uint32, x32 bool, def uint32) {
	native := a.newLabel()
	a.load(offArch)
	a.jmp(unix.BPF_JEQ, archID, native, noLabel)
	a.ret(def)
	a.place(native)
	a.load(offNr)
	if x32 {
		ok := a.newLabel()
		a.jmp(unix.BPF_JGE, x32Bit, noLabel, ok)
		a.ret(def)
		a.place(ok)
	}
}

// matchChunk bounds the instructions one return serves, so its jumps fit in 8 bits.
const matchChunk = 200

// match returns act for any of nrs, sorted and distinct (A holds the number and keeps it).
// Consecutive numbers are tested as one range: the default profile's ~350 names are ~60
// ranges on x86-64, a third of the instructions a test per name takes, which the kernel
// copies, JITs and, for its action cache, emulates for every system call number at each load.
func (a *asm) match(nrs []uint32, act uint32) {
	runs := numberRuns(nrs)
	for len(runs) > 0 {
		hit, miss := a.newLabel(), a.newLabel()
		for size := 0; len(runs) > 0 && size < matchChunk; runs = runs[1:] {
			size += a.matchRun(runs[0], hit)
		}
		a.emit(unix.BPF_JMP|unix.BPF_JA, 0, miss, noLabel)
		a.place(hit)
		a.ret(act)
		a.place(miss)
	}
}

// matchRun jumps to hit when A is within r and falls through otherwise; it returns the
// instructions it took.
func (a *asm) matchRun(r [2]uint32, hit label) int {
	if r[0] == r[1] {
		a.jmp(unix.BPF_JEQ, r[0], hit, noLabel)
		return 1
	}
	next := a.newLabel()
	a.jmp(unix.BPF_JGE, r[0], noLabel, next)
	a.jmp(unix.BPF_JGT, r[1], next, hit)
	a.place(next)
	return 2
}

// numberRuns turns sorted, distinct numbers into runs of consecutive ones, [first, last].
func numberRuns(nrs []uint32) [][2]uint32 {
	var runs [][2]uint32
	for _, nr := range nrs {
		if n := len(runs); n > 0 && runs[n-1][1]+1 == nr {
			runs[n-1][1] = nr
			continue
		}
		runs = append(runs, [2]uint32{nr, nr})
	}
	return runs
}

// conditional returns act for nr when every argument condition holds; A holds the number
// again afterwards.
func (a *asm) conditional(nr uint32, args []specs.LinuxSeccompArg, act uint32) {
	fail := a.newLabel()
	a.jmp(unix.BPF_JEQ, nr, noLabel, fail)
	for _, c := range args {
		a.condition(c, fail)
	}
	a.ret(act)
	a.place(fail)
	a.load(offNr)
}

// equalGroup returns act for nr when argument idx has the high word hi and one of the low
// words los (sorted, distinct); A holds the number again afterwards.
func (a *asm) equalGroup(nr uint32, idx uint, hi uint32, los []uint32, act uint32) {
	miss := a.newLabel()
	hiOff, loOff := argOffsets(idx)
	a.jmp(unix.BPF_JEQ, nr, noLabel, miss)
	a.load(hiOff)
	a.jmp(unix.BPF_JEQ, hi, noLabel, miss)
	a.load(loOff)
	a.match(los, act)
	a.place(miss)
	a.load(offNr)
}

// argOffsets are the offsets of an argument's high and low 32-bit words.
func argOffsets(i uint) (hi, lo uint32) {
	base := uint32(offArgs + 8*i)
	if binary.NativeEndian.Uint16([]byte{1, 0}) == 1 { // little-endian
		return base + 4, base
	}
	return base, base + 4
}

// condition falls through when the 64-bit comparison holds and jumps to fail otherwise.
func (a *asm) condition(c specs.LinuxSeccompArg, fail label) {
	hiOff, loOff := argOffsets(c.Index)
	hi, lo := uint32(c.Value>>32), uint32(c.Value)
	ok := a.newLabel()
	a.load(hiOff)
	switch c.Op {
	case specs.OpEqualTo:
		a.jmp(unix.BPF_JEQ, hi, noLabel, fail)
		a.load(loOff)
		a.jmp(unix.BPF_JEQ, lo, noLabel, fail)
	case specs.OpNotEqual:
		a.jmp(unix.BPF_JEQ, hi, noLabel, ok)
		a.load(loOff)
		a.jmp(unix.BPF_JEQ, lo, fail, noLabel)
	case specs.OpGreaterThan, specs.OpGreaterEqual:
		a.jmp(unix.BPF_JGT, hi, ok, noLabel)
		a.jmp(unix.BPF_JEQ, hi, noLabel, fail)
		a.load(loOff)
		op := uint16(unix.BPF_JGT)
		if c.Op == specs.OpGreaterEqual {
			op = unix.BPF_JGE
		}
		a.jmp(op, lo, noLabel, fail)
	case specs.OpLessThan, specs.OpLessEqual:
		a.jmp(unix.BPF_JGE, hi, noLabel, ok) // hi word smaller: holds
		a.jmp(unix.BPF_JEQ, hi, noLabel, fail)
		a.load(loOff)
		op := uint16(unix.BPF_JGE) // lo >= v fails a "<"
		if c.Op == specs.OpLessEqual {
			op = unix.BPF_JGT
		}
		a.jmp(op, lo, fail, noLabel)
	case specs.OpMaskedEqual: // (arg & value) == valueTwo
		a.and(hi)
		a.jmp(unix.BPF_JEQ, uint32(c.ValueTwo>>32), noLabel, fail)
		a.load(loOff)
		a.and(lo)
		a.jmp(unix.BPF_JEQ, uint32(c.ValueTwo), noLabel, fail)
	}
	a.place(ok)
}

// assemble resolves the jumps and writes struct sock_filter {u16 code; u8 jt, jf; u32 k} in
// native byte order.
func (a *asm) assemble() ([]byte, error) {
	if len(a.insns) > unix.BPF_MAXINSNS {
		return nil, fmt.Errorf("seccomp: %d instructions, more than the kernel's %d", len(a.insns), unix.BPF_MAXINSNS)
	}
	out := make([]byte, 0, 8*len(a.insns))
	for i, in := range a.insns {
		k := in.k
		var jt, jf uint32
		var err error
		if in.code == unix.BPF_JMP|unix.BPF_JA {
			if k, err = a.offset(i, in.jt, 1<<32-1); err != nil {
				return nil, err
			}
		} else {
			if jt, err = a.offset(i, in.jt, 255); err != nil {
				return nil, err
			}
			if jf, err = a.offset(i, in.jf, 255); err != nil {
				return nil, err
			}
		}
		out = binary.NativeEndian.AppendUint16(out, in.code)
		out = append(out, byte(jt), byte(jf))
		out = binary.NativeEndian.AppendUint32(out, k)
	}
	return out, nil
}

// offset is the forward distance from instruction i to label l (0 for noLabel).
func (a *asm) offset(i int, l label, limit uint32) (uint32, error) {
	if l == noLabel {
		return 0, nil
	}
	target := a.labels[l]
	if target <= i {
		return 0, fmt.Errorf("seccomp: jump from %d to unplaced or earlier label", i)
	}
	d := uint32(target - i - 1)
	if d > limit {
		return 0, fmt.Errorf("seccomp: jump of %d instructions too long", d)
	}
	return d, nil
}
