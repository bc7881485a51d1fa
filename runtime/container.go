package runtime

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/podd/podd/cgroupfs"
	"github.com/podd/podd/mounts"
	"github.com/podd/podd/nsinit"
	"github.com/podd/podd/rootfs"
	"github.com/podd/podd/rootfs/overlay"
	corev1 "k8s.io/api/core/v1"
)

// container is one container of a pod and its supervisor's state.
type container struct {
	p         *pod
	idx       int
	spec      *corev1.Container
	img       *rootfs.Image
	proc      *nsinit.Process
	stop      chan time.Time // receives the kill deadline when the pod is deleted
	restarts  int32
	oomSeen   uint64
	startedAt time.Time
	log       *os.File // this run's log, from prepare to launch
}

func (c *container) name() string   { return c.spec.Name }
func (c *container) cgroup() string { return filepath.Join(c.p.cgroup(), c.spec.Name) }
func (c *container) dir() string    { return filepath.Join(c.p.dir(), "containers", c.spec.Name) }
func (c *container) logPath(restart int32) string {
	return filepath.Join(c.p.logDir(), c.spec.Name, strconv.Itoa(int(restart))+".log")
}

// fieldPath names the container in errors the way the manifest does.
func (c *container) fieldPath() string { return fmt.Sprintf("spec.containers[%d]", c.idx) }

// config builds what nsinit needs from the pod spec and the image.
func (c *container) config() (*nsinit.Config, error) {
	args := argv(c.spec, c.img.Config)
	if len(args) == 0 {
		return nil, fmt.Errorf("%s.command: Required value: the image has no entrypoint or cmd", c.fieldPath())
	}
	binds, err := c.binds()
	if err != nil {
		return nil, err
	}
	d := c.dir()
	return &nsinit.Config{
		Overlay: overlay.Overlay{Lowers: c.img.Lowers, Upper: filepath.Join(d, "upper"),
			Work: filepath.Join(d, "work"), Target: filepath.Join(d, "rootfs")},
		Binds: binds,
		Args:  args,
		Env:   c.env(),
		Cwd:   firstNonEmpty(c.spec.WorkingDir, c.img.Config.WorkingDir, "/"),
	}, nil
}

// argv applies Kubernetes' rules: command replaces the image entrypoint (and drops its cmd),
// args replace the image cmd.
func argv(c *corev1.Container, img rootfs.Config) []string {
	switch {
	case len(c.Command) > 0:
		return append(append([]string{}, c.Command...), c.Args...)
	case len(c.Args) > 0:
		return append(append([]string{}, img.Entrypoint...), c.Args...)
	default:
		return append(append([]string{}, img.Entrypoint...), img.Cmd...)
	}
}

// env is the image's environment overridden by the pod's, plus HOSTNAME and a default PATH.
func (c *container) env() []string {
	vars := map[string]string{}
	var order []string
	set := func(k, v string) {
		if _, ok := vars[k]; !ok {
			order = append(order, k)
		}
		vars[k] = v
	}
	set("PATH", nsinit.DefaultPath)
	set("HOSTNAME", c.p.hostname())
	for _, kv := range c.img.Config.Env {
		k, v, _ := strings.Cut(kv, "=")
		set(k, v)
	}
	for _, e := range c.spec.Env {
		set(e.Name, e.Value)
	}
	out := make([]string, 0, len(order))
	for _, k := range order {
		out = append(out, k+"="+vars[k])
	}
	return out
}

// binds turns volumeMounts into bind mounts of the pod's volume directories.
func (c *container) binds() ([]mounts.Bind, error) {
	out := c.etcBinds()
	for i, vm := range c.spec.VolumeMounts {
		src, err := c.p.volumeSource(vm.Name)
		if err != nil {
			return nil, fmt.Errorf("%s.volumeMounts[%d]: %w", c.fieldPath(), i, err)
		}
		out = append(out, mounts.Bind{Source: src, Dest: vm.MountPath, ReadOnly: vm.ReadOnly,
			Field: fmt.Sprintf("%s.volumeMounts[%d]", c.fieldPath(), i)})
	}
	return out, nil
}

// prepare creates the container's cgroup (with its limits), a fresh writable layer and the log
// file of this run; it needs the pod cgroup but not the pod's namespaces.
func (c *container) prepare() error {
	log, err := c.prepareFiles()
	c.log = log
	return err
}

func (c *container) prepareFiles() (*os.File, error) {
	cg := c.cgroup()
	if err := cgroupfs.Create(cg); err != nil {
		return nil, err
	}
	if err := cgroupfs.Set(cg, c.setupResources()); err != nil {
		return nil, fmt.Errorf("%s.resources: %w", c.fieldPath(), err)
	}
	if err := c.attachDeviceFilter(); err != nil {
		return nil, err
	}
	d := c.dir()
	ov := overlay.Overlay{Upper: filepath.Join(d, "upper"), Work: filepath.Join(d, "work"), Target: filepath.Join(d, "rootfs")}
	// Every run starts from the image, as in Kubernetes: the last run's writes go.
	for _, dir := range []string{ov.Upper, ov.Work} {
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("reset writable layer: %w", err)
		}
	}
	if err := ov.Prepare(); err != nil {
		return nil, err
	}
	return c.openLog()
}

func (c *container) openLog() (*os.File, error) {
	path := c.logPath(c.restarts)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("log directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	return f, nil
}

// start prepares and launches the container (a restart).
func (c *container) start() error {
	if err := c.prepare(); err != nil {
		c.closeLog()
		return err
	}
	return c.launch()
}

func (c *container) closeLog() {
	if c.log != nil {
		c.log.Close()
		c.log = nil
	}
}

// launch clones the prepared container's process into the pod's namespaces and its cgroup,
// returning once the command has been exec'd.
func (c *container) launch() error {
	defer c.closeLog()
	cfg, err := c.config()
	if err != nil {
		return err
	}
	cgfd, err := cgroupfs.Open(c.cgroup())
	if err != nil {
		return err
	}
	defer cgfd.Close()
	if n, err := cgroupfs.MemoryEvents(c.cgroup()); err == nil {
		c.oomSeen = n["oom_kill"]
	}
	spec := nsinit.Spec{Config: cfg, CgroupFD: int(cgfd.Fd()), Log: c.log, Name: c.p.obj.Name + "/" + c.name()}
	if err := c.p.liftCPUMax(); err != nil {
		return err
	}
	defer c.p.restoreCPUMax()
	return c.p.ns.Do(func() error {
		proc, err := c.p.rt.procs.Start(spec)
		if err != nil {
			return c.startError(err)
		}
		if err := c.limitCPU(proc); err != nil {
			return err
		}
		c.p.mu.Lock()
		c.proc = proc
		c.p.eventLocked(corev1.EventTypeNormal, reasonStarted, "Started container "+c.name())
		c.p.mu.Unlock()
		c.startedAt = time.Now()
		return nil
	})
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
