// Package devices builds and attaches the cgroup v2 device filter of a container: an eBPF
// BPF_PROG_TYPE_CGROUP_DEVICE program (cgroup v2 has no devices.allow file) that the kernel
// runs for every open and mknod of a device node by a process of the cgroup. Only the
// devices in the rules are allowed; everything else, mknod included, is denied (EPERM).
//
// rules.go is the rule table and its meaning (Allows), program.go turns the rules into
// instructions, attach_linux.go loads the program and attaches it to a cgroup directory.
// The same rules decide in Go (Allows) and in the kernel (Program); the tests check they
// agree on every request.
package devices

import (
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"
)

// Type is the kind of device node a rule matches.
type Type byte

const (
	Char  Type = 'c'
	Block Type = 'b'
)

// Access is a set of the accesses the kernel asks about, with the kernel's bit values
// (BPF_DEVCG_ACC_*), so a rule's access is usable in the program as it is.
type Access uint32

const (
	Mknod Access = unix.BPF_DEVCG_ACC_MKNOD
	Read  Access = unix.BPF_DEVCG_ACC_READ
	Write Access = unix.BPF_DEVCG_ACC_WRITE
	RW           = Read | Write
	RWM          = Read | Write | Mknod
)

// Wildcard as a Major or Minor matches every number.
const Wildcard = -1

// maxNumber bounds majors and minors: the kernel's are 12 and 20 bits, and the program
// compares them with 32-bit signed immediates.
const maxNumber = 1<<31 - 1

// Rule allows Access to the devices of Type with Major:Minor.
type Rule struct {
	Type         Type
	Major, Minor int64 // Wildcard matches any
	Access       Access
}

// Default is what every container may use (runc's default allow list; no blanket mknod):
// the nodes podd creates in the container's /dev, the console, and the container's own
// devpts (ptmx and the ptys it hands out).
var Default = []Rule{
	{Char, 1, 3, RWM},          // /dev/null
	{Char, 1, 5, RWM},          // /dev/zero
	{Char, 1, 7, RWM},          // /dev/full
	{Char, 1, 8, RWM},          // /dev/random
	{Char, 1, 9, RWM},          // /dev/urandom
	{Char, 5, 0, RWM},          // /dev/tty
	{Char, 5, 1, RWM},          // /dev/console
	{Char, 5, 2, RWM},          // /dev/ptmx (devpts' ptmx)
	{Char, 136, Wildcard, RWM}, // /dev/pts/N
}

// Allows reports whether rules let a process make the access acc to the device t
// major:minor: some rule of that type and number allows every access asked for.
func Allows(rules []Rule, t Type, major, minor uint32, acc Access) bool {
	for _, r := range rules {
		if r.Type == t && acc&^r.Access == 0 && matches(r.Major, major) && matches(r.Minor, minor) {
			return true
		}
	}
	return false
}

func matches(want int64, got uint32) bool { return want == Wildcard || want == int64(got) }

// Validate checks the rule can be expressed in the program.
func (r Rule) Validate() error {
	switch {
	case r.Type != Char && r.Type != Block:
		return fmt.Errorf("device rule %v: type must be %q or %q", r, Char, Block)
	case !validNumber(r.Major) || !validNumber(r.Minor):
		return fmt.Errorf("device rule %v: major and minor must be %d or 0..%d", r, Wildcard, maxNumber)
	case r.Access == 0 || r.Access&^RWM != 0:
		return fmt.Errorf("device rule %v: access must be a non-empty subset of rwm", r)
	}
	return nil
}

func validNumber(n int64) bool { return n == Wildcard || (n >= 0 && n <= maxNumber) }

// String is the devices.allow form: "c 136:* rwm".
func (r Rule) String() string {
	return fmt.Sprintf("%c %s:%s %s", r.Type, number(r.Major), number(r.Minor), r.Access)
}

func number(n int64) string {
	if n == Wildcard {
		return "*"
	}
	return strconv.FormatInt(n, 10)
}

func (a Access) String() string {
	s := ""
	for _, c := range []struct {
		bit Access
		ch  string
	}{{Read, "r"}, {Write, "w"}, {Mknod, "m"}} {
		if a&c.bit != 0 {
			s += c.ch
		}
	}
	return s
}
