package runtime

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/podd/podd/configobj"
	"github.com/podd/podd/internal/invalid"
	"github.com/podd/podd/mounts"
	"github.com/podd/podd/netsetup"
	"github.com/podd/podd/nsinit"
	"github.com/podd/podd/rootfs"
	"github.com/podd/podd/rootfs/overlay"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// fieldPath names the container in errors the way the manifest does.
func (c *container) fieldPath() string {
	if c.init {
		return fmt.Sprintf("spec.initContainers[%d]", c.idx)
	}
	return fmt.Sprintf("spec.containers[%d]", c.idx)
}

// config builds what nsinit needs from the pod spec and the image.
func (c *container) config() (*nsinit.Config, error) {
	_, vars, err := c.podEnv()
	if err != nil {
		return nil, err
	}
	spec := *c.spec // command and args with $(VAR) expanded from the container's env, as kubelet does
	spec.Command, spec.Args = expandAll(spec.Command, vars), expandAll(spec.Args, vars)
	args := argv(&spec, c.img.Config)
	if len(args) == 0 {
		return nil, fmt.Errorf("%s.command: Required value: the image has no entrypoint or cmd", c.fieldPath())
	}
	env, err := c.env()
	if err != nil {
		return nil, err
	}
	c.p.mu.Lock()
	c.runEnv = env // what exec gets: the env the run started with, whatever changed since
	c.p.mu.Unlock()
	binds, err := c.binds(env)
	if err != nil {
		return nil, err
	}
	sec, err := c.security()
	if err != nil {
		return nil, err
	}
	d := c.dir()
	return &nsinit.Config{
		Overlay: overlay.Overlay{Lowers: c.img.Lowers, Upper: filepath.Join(d, "upper"),
			Work: filepath.Join(d, "work"), Target: filepath.Join(d, "rootfs")},
		Binds:    binds,
		Args:     args,
		Env:      env,
		Cwd:      firstNonEmpty(c.spec.WorkingDir, c.img.Config.WorkingDir, "/"),
		Security: sec,
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

// env is the image's environment overridden by the pod's (envFrom, then env, valueFrom resolved
// by configobj, then their $(VAR) references expanded), plus HOSTNAME and a default PATH.
func (c *container) env() ([]string, error) {
	podEnv, _, err := c.podEnv()
	if err != nil {
		return nil, err
	}
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
	for _, e := range podEnv {
		set(e.Name, e.Value)
	}
	out := make([]string, 0, len(order))
	for _, k := range order {
		out = append(out, k+"="+vars[k])
	}
	return out, nil
}

// podEnv is the container's env from the pod spec: envFrom and env with valueFrom resolved by
// configobj, then $(VAR) references expanded; vars maps each name to its value.
func (c *container) podEnv() ([]corev1.EnvVar, map[string]string, error) {
	env := c.spec.Env
	if configobj.HasRefs(c.spec) {
		path := field.NewPath("spec", "containers")
		if c.init {
			path = field.NewPath("spec", "initContainers")
		}
		var fe *field.Error
		env, fe = c.p.rt.Env(c.p.sandbox.meta, c.spec, c.p.podFacts(), path.Index(c.idx))
		if fe != nil && fe.Type == field.ErrorTypeNotFound {
			return nil, nil, &configError{fe.Detail} // kubelet's CreateContainerConfigError: the container waits
		}
		if fe != nil {
			return nil, nil, invalid.Pod(c.p.obj.Name, fe.Error(), fe)
		}
	}
	env, vars := expandEnv(env)
	return env, vars, nil
}

// binds turns volumeMounts into bind mounts of the pod's volume directories (subPath and
// subPathExpr, expanded with the container's env, resolved by the child beneath the volume).
// configMap, secret, downwardAPI and projected volumes are always read-only, as the kubelet
// mounts them.
func (c *container) binds(env []string) ([]mounts.Bind, error) {
	out := c.etcBinds()
	if !c.mountsAt(mounts.ShmPath) { // a volume the user mounts there wins, as with the kubelet
		out = append(out, mounts.Bind{Source: c.p.shmDir(), Dest: mounts.ShmPath})
	}
	for i, vm := range c.spec.VolumeMounts {
		fp := fmt.Sprintf("%s.volumeMounts[%d]", c.fieldPath(), i)
		src, err := c.p.volumeSource(vm.Name)
		if err == nil {
			err = c.p.nfsReady(vm.Name)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fp, err)
		}
		sub, err := subPath(&vm, env)
		if err != nil {
			fe := invalid.Field(fp+".subPathExpr", err.Error())
			return nil, invalid.Pod(c.p.obj.Name, fe.Error(), fe)
		}
		b := mounts.Bind{Source: src, SubPath: sub, Dest: vm.MountPath,
			ReadOnly: vm.ReadOnly || c.p.readOnlyVolume(vm.Name), Field: fp}
		if vm.MountPropagation != nil && *vm.MountPropagation != corev1.MountPropagationNone {
			b.Propagation = string(*vm.MountPropagation)
		}
		if vm.RecursiveReadOnly != nil && *vm.RecursiveReadOnly != corev1.RecursiveReadOnlyDisabled {
			b.RecursiveRO = string(*vm.RecursiveReadOnly)
		}
		out = append(out, b)
	}
	return append(out, c.termBind()...), nil // last, as the kubelet's: on top of any volume
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// subPath is a mount's subPath, or its subPathExpr with $(VAR) expanded from env; an expansion
// that is absolute or has a ".." element is refused.
func subPath(vm *corev1.VolumeMount, env []string) (string, error) {
	if vm.SubPathExpr == "" {
		return vm.SubPath, nil
	}
	sub := configobj.Expand(vm.SubPathExpr, env)
	if err := mounts.CheckFilePath(sub); err != nil && sub != "" {
		return "", fmt.Errorf("expands to %q: %w", sub, err)
	}
	return sub, nil
}

// podFacts are what env fieldRefs read besides the pod: node name, pod IP, host IP (the
// bridge's address, the node's address as the pod sees it).
func (p *pod) podFacts() configobj.PodFacts {
	host, _ := os.Hostname()
	f := configobj.PodFacts{NodeName: host, PodIP: p.ip, PodIPs: p.podIPs()}
	if cidrs, err := netsetup.ParsePodCIDRs(p.rt.opts.PodCIDRs); err == nil && p.rt.net != nil {
		subnet := cidrs.V4
		if subnet == nil { // IPv6-only
			subnet = cidrs.V6
		}
		if subnet != nil { // nil: no --pod-cidr (a test's runtime)
			gw := append(net.IP{}, subnet.IP.Mask(subnet.Mask)...)
			gw[len(gw)-1]++
			f.HostIP = gw.String()
		}
	}
	return f
}

// execEnv is the environment of an exec or exec probe: the one the container's run started
// with, as the kubelet's exec gets it from the runtime (a ConfigMap changed since does not
// show). A container adopted by a restarted podd has its references read again (an object
// deleted since leaves its variables out, with the pod's literal values kept).
func (c *container) execEnv() []string {
	c.p.mu.Lock()
	env := c.runEnv
	c.p.mu.Unlock()
	if env != nil {
		return env
	}
	env, err := c.env()
	if err == nil {
		return env
	}
	out := []string{"PATH=" + nsinit.DefaultPath, "HOSTNAME=" + c.p.hostname()}
	out = append(out, c.img.Config.Env...)
	for _, e := range c.spec.Env {
		if e.ValueFrom == nil {
			out = append(out, e.Name+"="+e.Value)
		}
	}
	return out
}
