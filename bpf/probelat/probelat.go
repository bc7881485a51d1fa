package probelat

import (
	"errors"
	"fmt"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// Mechanism is what `podctl info` names this watcher's source.
const Mechanism = "ebpf (sock/inet_sock_set_state)"

// Kernel times registered sockets' connects in the kernel (probelat.c).
type Kernel struct {
	objs probelatbpfObjects
	link link.Link
}

// Open loads and attaches the program; an error says what the kernel lacks (BTF, the
// tracepoint, CAP_BPF).
func Open() (*Kernel, error) {
	kern, err := btf.LoadKernelSpec()
	if err != nil {
		return nil, fmt.Errorf("no kernel BTF: %w", err)
	}
	k := &Kernel{}
	opts := &ebpf.CollectionOptions{Programs: ebpf.ProgramOptions{KernelTypes: kern}}
	if err := loadProbelatbpfObjects(&k.objs, opts); err != nil {
		return nil, fmt.Errorf("load the sock/inet_sock_set_state program: %w", err)
	}
	k.link, err = link.AttachTracing(link.TracingOptions{Program: k.objs.SetState})
	if err != nil {
		k.objs.Close()
		return nil, fmt.Errorf("attach sock/inet_sock_set_state: %w", err)
	}
	return k, nil
}

// Register has the connect of the socket with cookie timed; call it before connect(2).
func (k *Kernel) Register(cookie uint64) error {
	var t probelatbpfTiming
	if e := elemCall(unix.BPF_MAP_UPDATE_ELEM, k.objs.Sockets.FD(), &cookie, &t); e != 0 {
		return fmt.Errorf("register socket %d: %w", cookie, e)
	}
	return nil
}

// Lookup returns the kernel's connect time of a registered socket (SYN sent to ESTABLISHED)
// and forgets the socket; false when it did not get established (or was never registered).
func (k *Kernel) Lookup(cookie uint64) (time.Duration, bool) {
	var t probelatbpfTiming
	if elemCall(unix.BPF_MAP_LOOKUP_AND_DELETE_ELEM, k.objs.Sockets.FD(), &cookie, &t) != 0 {
		return 0, false
	}
	if t.ConnectNs == 0 {
		return 0, false
	}
	return time.Duration(t.ConnectNs), true
}

// Close detaches the program.
func (k *Kernel) Close() error {
	return errors.Join(k.link.Close(), k.objs.Close())
}
