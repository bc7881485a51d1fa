package devices

import (
	"errors"
	"fmt"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// progName is the name every podd device filter is loaded with (at most 15 characters): how
// Attach recognises the filters it replaces.
const progName = "podd_devices"

// Attach attaches the filter allowing exactly rules to the cgroup v2 directory dir, then
// detaches the podd filters attached there before (a restarted container's cgroup gets its
// new rules, never two sets). The attachment is held by the cgroup, not by podd: it outlives
// this process, so a container adopted after a podd restart keeps it.
//
// The filter is attached with BPF_F_ALLOW_MULTI: programs attached by others to dir or its
// ancestors still run, and the kernel allows an access only if every one does. Between the
// attach and the detach both filters run, so the container is never less confined.
func Attach(dir string, rules []Rule) error {
	prog, err := load(rules)
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
	if _, ok := old[prog.id]; !ok {
		err = link.RawAttachProgram(link.RawAttachProgramOptions{Target: cg, Program: prog.Program,
			Attach: ebpf.AttachCGroupDevice, Flags: unix.BPF_F_ALLOW_MULTI})
		if err != nil {
			return fmt.Errorf("device filter: attach to %s: %w", dir, err)
		}
	}
	for id, p := range old {
		if id == prog.id {
			continue // the same rules: already in place
		}
		err := link.RawDetachProgram(link.RawDetachProgramOptions{Target: cg, Program: p,
			Attach: ebpf.AttachCGroupDevice})
		if err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("device filter: detach the previous filter from %s: %w", dir, err)
		}
	}
	return nil
}

// loaded is a filter program and its kernel id.
type loaded struct {
	*ebpf.Program
	id ebpf.ProgramID
}

// programs holds one loaded program per rule set, for podd's life: one program serves every
// cgroup with the same rules, so a container start costs an attach, not a verifier run.
var programs struct {
	sync.Mutex
	m map[string]loaded
}

func load(rules []Rule) (loaded, error) {
	key := fmt.Sprint(rules)
	programs.Lock()
	defer programs.Unlock()
	if p, ok := programs.m[key]; ok {
		return p, nil
	}
	insts, err := Program(rules)
	if err != nil {
		return loaded{}, err
	}
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{Name: progName, Type: ebpf.CGroupDevice,
		License: "Apache-2.0", Instructions: insts})
	if err != nil {
		return loaded{}, fmt.Errorf("device filter: load program: %w", err)
	}
	info, err := prog.Info()
	id, ok := ebpf.ProgramID(0), false
	if err == nil {
		id, ok = info.ID()
	}
	if !ok {
		prog.Close()
		return loaded{}, fmt.Errorf("device filter: no id for the loaded program: %v", err)
	}
	if programs.m == nil {
		programs.m = map[string]loaded{}
	}
	p := loaded{prog, id}
	programs.m[key] = p
	return p, nil
}

// attachedFilters returns the podd device filters attached to the cgroup cg itself, by id.
func attachedFilters(cg int) (map[ebpf.ProgramID]*ebpf.Program, error) {
	res, err := link.QueryPrograms(link.QueryOptions{Target: cg, Attach: ebpf.AttachCGroupDevice})
	if err != nil {
		return nil, err
	}
	out := map[ebpf.ProgramID]*ebpf.Program{}
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
			out[ap.ID] = p
			continue
		}
		p.Close()
	}
	return out, nil
}

func closeAll(progs map[ebpf.ProgramID]*ebpf.Program) {
	for _, p := range progs {
		p.Close()
	}
}
