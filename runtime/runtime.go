// Package runtime runs pods: it turns a validated v1.Pod into pinned namespaces, cgroups,
// volumes and container processes, supervises them (restart policy, backoff, OOM), keeps their
// record on disk and tears everything down on delete. It implements the API server's Backend (api.Backend; the assertion lives in cmd/podd).
//
// A pod is two kinds of objects with their own lifecycles, shaped as a CRI runtime needs them:
// its sandbox (sandbox.go: volumes, pod cgroup, pinned namespaces with the address and /etc
// files; run, stop, remove = RunPodSandbox, StopPodSandbox, RemovePodSandbox) and its
// containers (container.go: create, start, stop, remove = CreateContainer, StartContainer,
// StopContainer, RemoveContainer). Apply plans (validation, images), runs the sandbox, creates
// and starts each container; a delete stops the containers, then stops and removes the sandbox;
// a failed apply undoes through the same steps. Supervisors restart containers by the restart
// policy (supervise.go); a restarted podd adopts, rolls back or finishes what its records say
// (recover.go) and removes what belongs to no pod (orphans.go).
//
// Every OS action goes through fields of Runtime set in New (host.go): cgroupfs.Manager,
// netsetup.Namespaces and netsetup.Addresses, the processes started through nsinit, the device
// filter; the unit tests run the whole package on fakes of them, without root.
package runtime

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/podd/podd/cgroupfs"
	"github.com/podd/podd/cgroupfs/devices"
	"github.com/podd/podd/configobj"
	"github.com/podd/podd/credprovider"
	"github.com/podd/podd/internal/fdkeep"
	"github.com/podd/podd/internal/reaper"
	"github.com/podd/podd/mounts"
	"github.com/podd/podd/netsetup"
	"github.com/podd/podd/nsinit"
	"github.com/podd/podd/podstatus"
	"github.com/podd/podd/probe"
	"github.com/podd/podd/rootfs"
	"github.com/podd/podd/runtime/logfile"
	"golang.org/x/sys/unix"
	"k8s.io/apimachinery/pkg/types"
)

// Options are podd's directories and limits.
type Options struct {
	Root       string   // state: pods, images, ipam
	Run        string   // runtime: socket, pinned namespaces
	LogDir     string   // container logs (/var/log/pods)
	CgroupRoot string   // podd's cgroup subtree
	Bridge     string   // host bridge name; "" disables pod networking
	PodCIDRs   []string // pod subnets (--pod-cidr): one IPv4, at most one IPv6 (dual-stack)
	PidsLimit  int64    // pids.max of every pod
	// LogMaxSize caps the disk a container run's log holds (0: DefaultLogMaxSize); LogMaxFiles
	// is how many run files a container keeps (0: DefaultLogMaxFiles).
	LogMaxSize  int64
	LogMaxFiles int
	// InsecureRegistries are pulled from over plain HTTP (loopback ones always are).
	InsecureRegistries []string
	// ImageLimits bound what one image pull or load downloads and unpacks (zero: defaults).
	ImageLimits rootfs.Limits
	// ImageVerify is the kubelet's imagePullCredentialsVerificationPolicy ("": its default,
	// NeverVerifyPreloadedImages) and ImageVerifyAllowlist its
	// preloadedImagesVerificationAllowlist (rootfs.CheckVerifyPolicy).
	ImageVerify          rootfs.VerifyPolicy
	ImageVerifyAllowlist []string
	// CredentialProviders give the node's registry credentials from the kubelet's credential
	// provider plugins (--image-credential-provider-config); nil: none.
	CredentialProviders *credprovider.Providers
	// Uplinks are the interfaces pods' egress leaves by (netsetup.Network.Uplinks).
	Uplinks []string
	EBPF    bool // watch OOM kills with eBPF when the kernel allows (else memory.events)
	// OOMProgram is the eBPF OOM program (bpf/oom: auto, tracepoint or fentry; "" is auto).
	OOMProgram string
}

// Runtime owns every pod.
type Runtime struct {
	opts   Options
	reaper *reaper.Reaper
	images *rootfs.Store
	// The OS work (host.go): real in New, fakes in unit tests.
	cg       cgroupfs.Manager
	pins     netsetup.Namespaces
	net      netsetup.Addresses // nil: pods get no network (no --bridge)
	procs    processes
	launch   nsinit.Starter // starts container processes and execs
	keeper   fdKeeper       // keeps stdin and pty masters across podd's restarts (stdiokeep.go); nil: none
	devices  func(cgroup string, rules []devices.Rule) error
	after    func(time.Duration) <-chan time.Time // the restart backoff's clock
	probing  *probing                             // every pod's probes (probes.go); nil: none run
	oom      *oomWatch                            // OOM kills to events (oomwatch.go); nil: none
	avail    map[string]bool                      // cgroup controllers podd can enable for pods
	podsCg   string                               // <cgroup root>/pods
	mu       sync.Mutex
	pods     map[string]*pod // key namespace/name
	closing  bool
	applies  sync.WaitGroup // applies in progress (Detach lets them finish)
	events   *eventStore    // every pod's events (eventstore.go)
	podWatch broadcaster    // pod changes (watch.go)
	// logPoller captures every container's stdout and stderr (logcap.go), started on first use.
	logPoller func() (*logfile.Poller, error)
	// rootLock holds the flock on <root>/podd.lock for podd's life: were the file collected,
	// its finalizer would close the descriptor and drop the lock.
	rootLock *os.File
	// The ConfigMaps and Secrets (api.ConfigBackend), which volumes and env read.
	*configobj.Store
	// probeResult is told each probe run (metrics); unset: nobody.
	probeResult atomic.Pointer[func(kind, result string, took time.Duration)]
	// probeConnect is told each probe connection's connect time (metrics); unset: nobody.
	probeConnect atomic.Pointer[func(kind string, connect time.Duration)]
}

// New prepares directories, cgroups and the bridge, and moves podd into its leaf cgroup.
func New(opts Options, r *reaper.Reaper) (*Runtime, error) {
	rt := newRuntime(opts)
	rt.reaper = r
	rt.cg, rt.pins, rt.procs, rt.devices = cgroupfs.Host{}, netsetup.HostNamespaces{}, hostProcs{reaper: r}, devices.Attach
	// The eBPF watchers load (decoding the kernel's BTF: most of podd's start) while the
	// directories, cgroups and network are set up; New returns once they are in place.
	watchers := rt.startWatchers(opts.EBPF, opts.OOMProgram)
	defer watchers.Wait()
	if err := rt.makeDirs(); err != nil {
		return nil, err
	}
	bin, err := nsinit.LoadBinary()
	if err != nil {
		return nil, err
	}
	launcher := &nsinit.Launcher{Reaper: r, Binary: bin}
	rt.launch = launcher
	rt.keeper = &fdkeep.Client{Path: filepath.Join(opts.Run, "fdkeep.sock"), Start: launcher.StartKeeper}
	if opts.CredentialProviders != nil {
		opts.CredentialProviders.Reaper = r // the plugins are podd's children: its wait loop reaps them
	}
	podstatus.RecursiveReadOnlySupported = mounts.RecursiveReadOnlySupported()
	logf("containers start as %s", bin.Source)
	if err := rt.setupCgroups(); err != nil {
		return nil, err
	}
	if err := netsetup.PreparePins(rt.nsDir()); err != nil { // before any pod: in the leak baseline
		return nil, err
	}
	if err := rt.setupNetwork(); err != nil {
		return nil, err
	}
	if err := rt.events.persistIn(filepath.Join(opts.Root, "events"), eventFlushDelay, rt.hasPodDir); err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	if err := rt.mountMem(); err != nil {
		return nil, err
	}
	go rt.watchEmptyDirs(context.Background())
	return rt, nil
}

// startWatchers loads the probe-latency and OOM watchers, each in its own goroutine.
func (rt *Runtime) startWatchers(useEBPF bool, oomProgram string) *sync.WaitGroup {
	rt.probing = newProbing(probe.RealClock{})
	var wg sync.WaitGroup
	wg.Go(func() { rt.probing.startProbeLatency(useEBPF) })
	wg.Go(func() { rt.startOOMWatch(useEBPF, oomProgram) })
	return &wg
}

func newRuntime(opts Options) *Runtime {
	images := &rootfs.Store{Dir: filepath.Join(opts.Root, "images"), Insecure: opts.InsecureRegistries,
		Limits: opts.ImageLimits, Verify: opts.ImageVerify, VerifyAllowlist: opts.ImageVerifyAllowlist}
	if opts.CredentialProviders != nil {
		images.Providers = opts.CredentialProviders
		images.Warn = func(err error) { logf("image credentials: %v", err) }
	}
	return &Runtime{opts: opts, pods: map[string]*pod{}, images: images, after: time.After, events: newEventStore(),
		Store: configobj.NewStore(opts.Root), logPoller: sync.OnceValues(logfile.NewPoller)}
}

// makeDirs creates podd's directories and locks the state directory.
func (rt *Runtime) makeDirs() error {
	for _, d := range []string{rt.opts.Root, rt.podsDir(), rt.opts.Run, rt.nsDir(), rt.opts.LogDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}
	lock, err := lockRoot(rt.opts.Root)
	if err != nil {
		return err
	}
	rt.rootLock = lock
	if err := rt.images.RemoveTemp(); err != nil { // half layers of a crashed podd's pulls
		logf("image store: %v", err)
	}
	return nil
}

func (rt *Runtime) podsDir() string { return filepath.Join(rt.opts.Root, "pods") }
func (rt *Runtime) nsDir() string   { return filepath.Join(rt.opts.Run, "ns") }

// eventFlushDelay is how long after an event podd writes the events it has not written yet.
const eventFlushDelay = time.Second

// hasPodDir reports whether the pod uid has its state directory (it is, or will be recovered).
func (rt *Runtime) hasPodDir(uid types.UID) bool {
	_, err := os.Stat(filepath.Join(rt.podsDir(), string(uid), "pod.json"))
	return err == nil
}

// setupCgroups builds <root>/{supervisor,pods}, moves podd into the supervisor leaf (the
// no-internal-processes rule) and enables every controller pods may need.
func (rt *Runtime) setupCgroups() error {
	root := rt.opts.CgroupRoot
	rt.podsCg = filepath.Join(root, "pods")
	sup := filepath.Join(root, "supervisor")
	for _, d := range []string{root, sup, rt.podsCg} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("cgroup %s: %w", d, err)
		}
	}
	if err := rt.cg.MoveSelf(sup); err != nil {
		return fmt.Errorf("move podd into its cgroup: %w", err)
	}
	want := []string{"cpu", "memory", "pids"}
	// The parent (the v2 root when podd is PID 1) must delegate them first; a parent that holds
	// processes refuses, and then pods simply do not get those controllers.
	_ = rt.cg.EnableControllers(filepath.Dir(root), want)
	for _, d := range []string{root, rt.podsCg} {
		if err := rt.cg.EnableControllers(d, want); err != nil {
			return err
		}
	}
	avail, err := rt.cg.Controllers(rt.podsCg)
	if err != nil {
		return err
	}
	rt.avail = avail
	rt.keepDeviceHook()
	return nil
}

// keepDeviceHook attaches an allow-every-device filter to the pods cgroup for podd's life. It
// loosens nothing (every filter on a container's path must allow an access), but it keeps the
// kernel's device-filter hook on, which otherwise each first container's attach and last
// container's removal switches, patching the kernel's text on every CPU (~1 ms per apply and
// delete of the only pod on a loaded 2-CPU VM, when nothing else on the host filters devices).
func (rt *Runtime) keepDeviceHook() {
	if err := rt.devices(rt.podsCg, privilegedDevices); err != nil {
		logf("device filter hook kept on: %v (each first container's attach switches it on)", err)
	}
}

func (rt *Runtime) setupNetwork() error {
	if rt.opts.Bridge == "" {
		return nil
	}
	cidrs, err := netsetup.ParsePodCIDRs(rt.opts.PodCIDRs)
	if err != nil {
		return err
	}
	n := &netsetup.Network{Bridge: rt.opts.Bridge, Subnet: cidrs.V4, Subnet6: cidrs.V6, IPv6First: cidrs.IPv6First,
		IPAMDir: filepath.Join(rt.opts.Root, "ipam"), Uplinks: rt.opts.Uplinks, Logf: logf}
	if err := os.MkdirAll(n.IPAMDir, 0o700); err != nil {
		return err
	}
	if err := n.Setup(); err != nil {
		return err
	}
	rt.net = n
	return nil
}

// Controllers reports which cgroup controllers pods get.
func (rt *Runtime) Controllers() map[string]bool { return rt.avail }

// lockRoot takes an exclusive lock on the state directory for the life of the process (the
// descriptor is close-on-exec, so a live upgrade's new podd takes it again): two podds on one
// --root would fight over the same pods.
func lockRoot(root string) (*os.File, error) {
	path := filepath.Join(root, "podd.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("another podd is using --root %s (%s is locked): %w", root, path, err)
	}
	return f, nil
}
