package oom

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
)

// EBPF watches OOM kills with oom.c: tp_btf/mark_victim where the tracepoint passes the victim
// task (Linux 6.8+), else fentry on mark_oom_victim (the function firing the tracepoint, whose
// older form passes the victim's pid alone).
type EBPF struct {
	mech   string
	coll   *ebpf.Collection
	link   link.Link
	rd     *ringbuf.Reader
	events chan Event
	done   sync.WaitGroup
}

// The eBPF programs --oom-program picks: ProgramAuto takes the tracepoint where its prototype
// passes the victim's task (6.8+, and Debian's 6.1), else fentry on mark_oom_victim.
const (
	ProgramAuto       = "auto"
	ProgramTracepoint = "tracepoint"
	ProgramFentry     = "fentry"
)

// CheckProgram refuses a --oom-program value that is none of the programs.
func CheckProgram(program string) error {
	switch program {
	case "", ProgramAuto, ProgramTracepoint, ProgramFentry:
		return nil
	}
	return fmt.Errorf("--oom-program: invalid value %q: want %s, %s or %s", program, ProgramAuto, ProgramTracepoint, ProgramFentry)
}

// NewEBPF loads and attaches the program (ProgramAuto when ""); an error says what the kernel
// lacks (BTF, the tracepoint, CAP_BPF).
func NewEBPF(program string) (*EBPF, error) {
	if err := CheckProgram(program); err != nil {
		return nil, err
	}
	kern, err := btf.LoadKernelSpec()
	if err != nil {
		return nil, fmt.Errorf("no kernel BTF: %w", err)
	}
	spec, err := loadOombpf()
	if err != nil {
		return nil, err
	}
	prog, drop, mech := oombpfProgMarkVictimBtf, oombpfProgMarkOomVictim, "oom/mark_victim"
	passesTask := markVictimPassesTask(kern)
	if program == ProgramTracepoint && !passesTask {
		return nil, errors.New("--oom-program=tracepoint: this kernel's oom/mark_victim passes only a pid, not the victim's task")
	}
	if program == ProgramFentry || !passesTask {
		prog, drop, mech = oombpfProgMarkOomVictim, oombpfProgMarkVictimBtf, "fentry/mark_oom_victim"
	}
	delete(spec.Programs, drop)
	coll, err := ebpf.NewCollectionWithOptions(spec, ebpf.CollectionOptions{Programs: ebpf.ProgramOptions{KernelTypes: kern}})
	if err != nil {
		return nil, fmt.Errorf("load %s program: %w", mech, err)
	}
	w := &EBPF{mech: mech, coll: coll, events: make(chan Event, eventBuffer)}
	w.link, err = link.AttachTracing(link.TracingOptions{Program: coll.Programs[prog]})
	if err != nil {
		coll.Close()
		return nil, fmt.Errorf("attach %s: %w", mech, err)
	}
	if w.rd, err = ringbuf.NewReader(coll.Maps[oombpfMapEvents]); err != nil {
		w.Close()
		return nil, fmt.Errorf("ring buffer: %w", err)
	}
	return w, nil
}

// markVictimPassesTask reports whether the kernel's mark_victim tracepoint takes the victim's
// task_struct (6.8+: TP_PROTO(struct task_struct *task, uid_t uid)) rather than its pid.
func markVictimPassesTask(kern *btf.Spec) bool {
	var td *btf.Typedef
	if err := kern.TypeByName("btf_trace_mark_victim", &td); err != nil {
		return false
	}
	ptr, ok := td.Type.(*btf.Pointer)
	if !ok {
		return false
	}
	fp, ok := ptr.Target.(*btf.FuncProto)
	if !ok || len(fp.Params) < 2 { // params[0] is the tracepoint's void *data
		return false
	}
	p, ok := btf.UnderlyingType(fp.Params[1].Type).(*btf.Pointer)
	if !ok {
		return false
	}
	s, ok := btf.UnderlyingType(p.Target).(*btf.Struct)
	return ok && s.Name == "task_struct"
}

// Start reads the ring buffer until Close.
func (w *EBPF) Start() error {
	w.done.Add(1)
	go w.read()
	return nil
}

func (w *EBPF) read() {
	defer w.done.Done()
	defer close(w.events)
	page := uint64(os.Getpagesize())
	for {
		rec, err := w.rd.Read()
		if errors.Is(err, ringbuf.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		if e, err := decode(rec.RawSample, page); err == nil {
			w.events <- e
		}
	}
}

// decode turns one ring buffer record (struct event of oom.c) into an Event.
func decode(rec []byte, page uint64) (Event, error) {
	var raw oombpfEvent
	if err := binary.Read(bytes.NewReader(rec), binary.NativeEndian, &raw); err != nil {
		return Event{}, fmt.Errorf("oom event of %d bytes: %w", len(rec), err)
	}
	return eventOf(&raw, page), nil
}

func eventOf(r *oombpfEvent, page uint64) Event {
	comm := r.Comm[:]
	if i := bytes.IndexByte(comm, 0); i >= 0 {
		comm = comm[:i]
	}
	return Event{CgroupID: r.CgroupId, PID: r.Pid, TID: r.Tid, Comm: string(comm), UID: r.Uid,
		OOMScoreAdj: r.OomScoreAdj, TotalVM: r.TotalVm * page, AnonRSS: r.AnonRss * page,
		FileRSS: r.FileRss * page, ShmemRSS: r.ShmemRss * page, KernelTime: time.Duration(r.KtimeNs), Kills: 1}
}

func (w *EBPF) Events() <-chan Event { return w.events }
func (w *EBPF) Watch(string) error   { return nil }
func (w *EBPF) Unwatch(string)       {}
func (w *EBPF) Mechanism() string    { return "ebpf (" + w.mech + ")" }

// Close detaches the program; Events is closed once the reader is done.
func (w *EBPF) Close() error {
	var errs []error
	if w.rd != nil {
		errs = append(errs, w.rd.Close())
	}
	if w.link != nil {
		errs = append(errs, w.link.Close())
	}
	w.done.Wait()
	w.coll.Close()
	return errors.Join(errs...)
}
