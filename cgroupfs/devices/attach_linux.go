package devices

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// progName is the name every podd device filter is loaded with (at most 15 characters): how
// Attach recognises the filters it replaces.
const progName = "podd_devices"

// Attach loads the filter allowing exactly rules and attaches it to the cgroup v2 directory
// dir, then detaches the podd filters attached there before (a restarted container's cgroup
// gets its new rules, never two sets). The attachment is held by the cgroup, not by podd: it
// outlives this process, so a container adopted after a podd restart keeps it.
//
// The filter is attached with BPF_F_ALLOW_MULTI: programs attached by others to dir or its
// ancestors still run, and the kernel allows an access only if every one does. Between the
// attach and the detach both filters run, so the container is never less confined.
func Attach(dir string, rules []Rule) error {
	insts, err := Program(rules)
	if err != nil {
		return err
	}
	cg, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("device filter: open cgroup %s: %w", dir, err)
	}
	defer unix.Close(cg)
	old, err := attachedFilters(cg)
	if err != nil {
		return fmt.Errorf("device filter on %s: %w", dir, err)
	}
	defer closeAll(old)
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{Name: progName, Type: ebpf.CGroupDevice,
		License: "Apache-2.0", Instructions: insts})
	if err != nil {
		return fmt.Errorf("device filter: load program: %w", err)
	}
	defer prog.Close() // the cgroup keeps its own reference
	err = link.RawAttachProgram(link.RawAttachProgramOptions{Target: cg, Program: prog,
		Attach: ebpf.AttachCGroupDevice, Flags: unix.BPF_F_ALLOW_MULTI})
	if err != nil {
		return fmt.Errorf("device filter: attach to %s: %w", dir, err)
	}
	for _, p := range old {
		err := link.RawDetachProgram(link.RawDetachProgramOptions{Target: cg, Program: p,
			Attach: ebpf.AttachCGroupDevice})
		if err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("device filter: detach the previous filter from %s: %w", dir, err)
		}
	}
	return nil
}

// attachedFilters returns the podd device filters attached to the cgroup cg itself.
func attachedFilters(cg int) ([]*ebpf.Program, error) {
	res, err := link.QueryPrograms(link.QueryOptions{Target: cg, Attach: ebpf.AttachCGroupDevice})
	if err != nil {
		return nil, err
	}
	var out []*ebpf.Program
	for _, ap := range res.Programs {
		p, err := ebpf.NewProgramFromID(ap.ID)
		if errors.Is(err, unix.ENOENT) {
			continue // detached meanwhile
		}
		if err != nil {
			closeAll(out)
			return nil, fmt.Errorf("open attached program %d: %w", ap.ID, err)
		}
		if info, err := p.Info(); err == nil && info.Name == progName {
			out = append(out, p)
			continue
		}
		p.Close()
	}
	return out, nil
}

func closeAll(progs []*ebpf.Program) {
	for _, p := range progs {
		p.Close()
	}
}
