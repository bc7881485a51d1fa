package devices

import (
	"strconv"

	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"
)

// The program's registers, loaded once from struct bpf_cgroup_dev_ctx (R1):
//
//	u32 access_type  // (BPF_DEVCG_ACC_* << 16) | BPF_DEVCG_DEV_*
//	u32 major
//	u32 minor
const (
	regType   = asm.R2
	regAccess = asm.R3
	regMajor  = asm.R4
	regMinor  = asm.R5
	regTmp    = asm.R1 // free once the context is read
)

// Program returns the instructions of the filter allowing exactly rules: one block per rule
// that jumps to the next block on the first field that does not match and returns 1 (allow)
// when all do; after the last block, return 0 (deny).
func Program(rules []Rule) (asm.Instructions, error) {
	insts := asm.Instructions{
		asm.LoadMem(regType, asm.R1, 0, asm.Word),
		asm.And.Imm32(regType, 0xffff),
		asm.LoadMem(regAccess, asm.R1, 0, asm.Word),
		asm.RSh.Imm32(regAccess, 16),
		asm.LoadMem(regMajor, asm.R1, 4, asm.Word),
		asm.LoadMem(regMinor, asm.R1, 8, asm.Word),
	}
	for i, r := range rules {
		if err := r.Validate(); err != nil {
			return nil, err
		}
		insts = append(insts, block(r, label(i), label(i+1))...)
	}
	return append(insts,
		asm.Mov.Imm32(asm.R0, 0).WithSymbol(label(len(rules))),
		asm.Return(),
	), nil
}

func label(i int) string { return "rule" + strconv.Itoa(i) }

// block is one rule: every test jumps to next when it fails.
func block(r Rule, self, next string) asm.Instructions {
	kind := int32(unix.BPF_DEVCG_DEV_CHAR)
	if r.Type == Block {
		kind = unix.BPF_DEVCG_DEV_BLOCK
	}
	b := asm.Instructions{asm.JNE.Imm(regType, kind, next)}
	if r.Access != RWM {
		// The access asked for must be a subset of the rule's: (access & allowed) == access.
		b = append(b,
			asm.Mov.Reg32(regTmp, regAccess),
			asm.And.Imm32(regTmp, int32(r.Access)),
			asm.JNE.Reg(regTmp, regAccess, next))
	}
	if r.Major != Wildcard {
		b = append(b, asm.JNE.Imm(regMajor, int32(r.Major), next))
	}
	if r.Minor != Wildcard {
		b = append(b, asm.JNE.Imm(regMinor, int32(r.Minor), next))
	}
	b = append(b, asm.Mov.Imm32(asm.R0, 1), asm.Return())
	b[0] = b[0].WithSymbol(self)
	return b
}
