package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/podd/podd/cgroupfs"
	"github.com/podd/podd/netsetup"
	corev1 "k8s.io/api/core/v1"
)

// sandbox is what a pod's containers share, with its own lifecycle, CRI's PodSandbox: the pod
// directory (record, volumes, /etc files, containers' writable layers), the pod cgroup, the
// pinned net/IPC/UTS namespaces with the pod's address. Its id is the pod uid.
//
//	run     RunPodSandbox     volumes, pod cgroup, namespaces, address, /etc files
//	stop    StopPodSandbox    kill what still runs in it, unpin the namespaces, release the address
//	remove  RemovePodSandbox  the pod cgroup, volumes, logs, the pod directory (record last)
//
// stop and remove are idempotent (what is gone is fine), so a restarted podd can run them again.
type sandbox struct {
	rt       *Runtime
	id       string // the pod uid
	name     string // namespace/name, for messages
	hostName string
	logs     string // the pod's log directory
	volumes  []corev1.Volume
	meta     *corev1.Pod        // the pod's metadata and spec at apply: what downwardAPI volumes show
	res      cgroupfs.Resources // the pod cgroup's
	ns       *netsetup.PodNS    // nil until run (or recovered)
	ip       string             // "" without pod network
	ips      []string           // a dual-stack pod's addresses in status order (ip is the first); nil: ip alone
	netSpec  podNetSpec         // hostNetwork, hosts and DNS (hostnet.go)
	setup    cpuSetup           // the pod cgroup's cpu.max lifted while containers set up
	fsGroup  *int64             // spec.securityContext.fsGroup: the group owning emptyDirs
	// The containers' hostPorts (hostports.go), or why podd cannot publish them (a 422).
	ports    []netsetup.HostPort
	portsErr error
	vols     volumeState   // configMap, secret, projected volumes (volwait.go)
	nfs      nfsState      // nfs volumes (volnfs.go)
	pidMode  podPIDMode    // hostPID, hostIPC, shareProcessNamespace (pidns.go)
	pinned   *pinnedSignal // closed once ns is pinned, or failed (clone.go)
}

func (rt *Runtime) newSandbox(obj *corev1.Pod) *sandbox {
	s := &sandbox{rt: rt, id: string(obj.UID), name: obj.Namespace + "/" + obj.Name,
		hostName: sandboxHostname(obj), netSpec: podNetSpecOf(obj), volumes: obj.Spec.Volumes, res: rt.podResources(obj), ip: obj.Status.PodIP,
		logs:    filepath.Join(rt.opts.LogDir, logDirName(obj.Namespace, obj.Name, string(obj.UID))),
		fsGroup: podFSGroup(obj), meta: &corev1.Pod{ObjectMeta: *obj.ObjectMeta.DeepCopy(), Spec: *obj.Spec.DeepCopy()}}
	if len(obj.Status.PodIPs) > 1 {
		for _, ip := range obj.Status.PodIPs {
			s.ips = append(s.ips, ip.IP)
		}
	}
	n, _ := rt.net.(*netsetup.Network)
	s.ports, s.portsErr = podHostPorts(obj, n != nil && n.Subnet6 != nil)
	s.vols = newVolumeState()
	s.nfs.mounted = map[string]bool{}
	s.pidMode = pidModeOf(&obj.Spec)
	s.pinned = newPinnedSignal()
	return s
}

func (s *sandbox) dir() string    { return filepath.Join(s.rt.podsDir(), s.id) }
func (s *sandbox) cgroup() string { return filepath.Join(s.rt.podsCg, s.id) }
func (s *sandbox) nsDir() string  { return filepath.Join(s.rt.nsDir(), s.id) }
func (s *sandbox) logDir() string { return s.logs }

// run makes the sandbox ready: volumes, the pod cgroup, then the namespaces with their address
// and /etc files (~3 ms of netlink and namespace work). The tasks given run at the same time as
// the namespaces, which they must not need: Apply passes the record's fsync and the containers'
// CreateContainer (they need the pod cgroup only).
func (s *sandbox) run(alongside ...func() error) error {
	if err := s.reservePorts(); err != nil {
		return err
	}
	if err := s.createVolumes(); err != nil {
		return err
	}
	if err := s.createCgroup(); err != nil {
		return err
	}
	return parallel(append([]func() error{s.createNamespaces}, alongside...))
}

// createNamespaces pins new pod namespaces and gives them an address and /etc files, and
// starts the pause process of a shared PID namespace.
func (s *sandbox) createNamespaces() error {
	defer s.pinned.done()
	if err := s.pinNamespaces(); err != nil {
		return err
	}
	return s.startPause()
}

func (s *sandbox) pinNamespaces() error {
	if s.netSpec.hostNetwork {
		return s.createHostNetNamespaces()
	}
	ns, err := s.rt.pins.Create(s.nsDir(), s.hostName)
	if err != nil {
		return fmt.Errorf("pod namespaces: %w", err)
	}
	s.ns = ns
	s.pinned.done() // the containers' early clones go ahead (clone.go)
	if err := s.attachNetwork(); err != nil {
		return err
	}
	return s.writeEtcFiles()
}

func (s *sandbox) attachNetwork() error {
	if s.rt.net == nil {
		return nil
	}
	ips, err := s.rt.net.Attach(s.ns, s.id)
	if err != nil {
		return fmt.Errorf("pod network: %w", err)
	}
	s.ip, s.ips = ips[0].String(), nil
	if len(ips) > 1 {
		for _, ip := range ips {
			s.ips = append(s.ips, ip.String())
		}
	}
	return s.publishPorts()
}

// podIPs are the pod's addresses in status order (kubelet's: one per family, the primary
// family's first), none without a pod network.
func (s *sandbox) podIPs() []string {
	if len(s.ips) > 0 {
		return s.ips
	}
	if s.ip != "" {
		return []string{s.ip}
	}
	return nil
}

func (s *sandbox) createCgroup() error {
	cg := s.cgroup()
	if err := s.rt.createPodCgroup(cg); err != nil {
		return err
	}
	if err := s.rt.cg.Set(cg, s.res); err != nil {
		return fmt.Errorf("pod cgroup: %w", err)
	}
	return s.rt.cg.EnableControllers(cg, []string{"cpu", "memory", "pids"})
}

// recover takes the sandbox of a pod a previous podd ran: it reopens the pinned namespaces; if
// the pins are gone (they lived in the old podd's mount namespace, or the machine rebooted) it
// re-pins them from a live container (live: their pids), or makes new ones with a fresh address
// when no container survived.
func (s *sandbox) recover(live []int) error {
	if err := s.restoreMemVolumes(); err != nil {
		return err
	}
	ns, err := s.rt.pins.Open(s.nsDir())
	for _, pid := range live {
		if err == nil {
			break
		}
		ns, err = s.rt.pins.Adopt(s.nsDir(), pid)
	}
	if err != nil {
		return s.rebuild()
	}
	s.ns = ns
	if err := s.reservePorts(); err != nil {
		return err
	}
	if err := s.startPause(); err != nil {
		return err
	}
	if err := s.publishPorts(); err != nil {
		return err
	}
	return s.createCgroup()
}

func (s *sandbox) rebuild() error {
	if s.rt.net != nil {
		_ = s.rt.net.Release(s.id)
	}
	if err := s.reservePorts(); err != nil {
		return err
	}
	if err := s.createNamespaces(); err != nil {
		return err
	}
	return s.createCgroup()
}

// stop ends every process left in the sandbox (a failed start's, an exec's), then unpins the
// namespaces and releases the address: the network goes with the namespace, more cheaply than
// deleting the veth first.
func (s *sandbox) stop() error {
	var errs []error
	add := func(what string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		}
	}
	cg := s.cgroup()
	if _, err := os.Stat(cg); err == nil {
		add("kill", s.rt.cg.Kill(cg))
		add("kill", s.rt.waitEmpty(cg, killWait))
	}
	// By path, not s.ns: a pod whose start or recovery failed may have pins s.ns never held.
	add("namespaces", s.rt.pins.Remove(s.nsDir()))
	crashpoint(crashDeleteNS)
	if s.rt.net != nil {
		add("network", s.rt.net.Release(s.id))
	}
	return errors.Join(errs...)
}

// remove deletes what stop left: the pod cgroup (the containers' removed first), the volumes,
// the logs and the pod directory, its record last so that a podd killed midway finishes it.
func (s *sandbox) remove() error {
	var errs []error
	add := func(what string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		}
	}
	nfsErr := s.unmountNFS()
	add("volumes", nfsErr)
	add("cgroup", s.rt.cg.Remove(s.cgroup()))
	add("volumes", s.removeVolumes())
	add("logs", os.RemoveAll(s.logDir()))
	if nfsErr != nil {
		// Kept with its record (the teardown is tried again): removing it would remove the
		// files on the server through the mount.
		return errors.Join(errs...)
	}
	add("pod directory", removeRecordLast(s.dir()))
	return errors.Join(errs...)
}

// podName is the pod's name without its namespace, as the API's errors name it.
func (s *sandbox) podName() string {
	_, n, _ := strings.Cut(s.name, "/")
	return n
}
