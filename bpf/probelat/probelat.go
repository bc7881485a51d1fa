package probelat

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// Mechanism is what `podctl info` names this watcher's source.
const Mechanism = "ebpf (sock/inet_sock_set_state)"

// Kernel times podd's connects in the kernel (probelat.c).
type Kernel struct {
	objs probelatbpfObjects
	link link.Link
}

// Open loads and attaches the program, timing the connects of this process; an error says what
// the kernel lacks (BTF, the tracepoint, socket storage for tracing programs: 5.11, CAP_BPF).
func Open() (*Kernel, error) {
	kern, err := btf.LoadKernelSpec()
	if err != nil {
		return nil, fmt.Errorf("no kernel BTF: %w", err)
	}
	spec, err := loadProbelatbpf()
	if err != nil {
		return nil, err
	}
	tgid, ok := spec.Variables["podd_tgid"]
	if !ok {
		return nil, errors.New("probelat: the BPF object has no podd_tgid")
	}
	if err := tgid.Set(uint32(os.Getpid())); err != nil {
		return nil, fmt.Errorf("probelat: set podd_tgid: %w", err)
	}
	k := &Kernel{}
	opts := &ebpf.CollectionOptions{Programs: ebpf.ProgramOptions{KernelTypes: kern}}
	if err := spec.LoadAndAssign(&k.objs, opts); err != nil {
		return nil, fmt.Errorf("load the sock/inet_sock_set_state program: %w", err)
	}
	k.link, err = link.AttachTracing(link.TracingOptions{Program: k.objs.SetState})
	if err != nil {
		k.objs.Close()
		return nil, fmt.Errorf("attach sock/inet_sock_set_state: %w", err)
	}
	return k, nil
}

// Lookup returns the kernel's connect time (SYN sent to ESTABLISHED) of the socket fd, which
// this process connected; false when it did not get established (or is no TCP socket of ours).
func (k *Kernel) Lookup(fd int) (time.Duration, bool) {
	var t probelatbpfTiming
	key := int32(fd)
	if elemCall(unix.BPF_MAP_LOOKUP_ELEM, k.objs.Sockets.FD(), &key, &t) != 0 || t.ConnectNs == 0 {
		return 0, false
	}
	return time.Duration(t.ConnectNs), true
}

// Close detaches the program.
func (k *Kernel) Close() error {
	return errors.Join(k.link.Close(), k.objs.Close())
}
