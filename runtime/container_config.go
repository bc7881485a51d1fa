package runtime

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/podd/podd/mounts"
	"github.com/podd/podd/nsinit"
	"github.com/podd/podd/rootfs"
	"github.com/podd/podd/rootfs/overlay"
	corev1 "k8s.io/api/core/v1"
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
	_, vars := expandEnv(c.spec.Env)
	spec := *c.spec // command and args with $(VAR) expanded from the container's env, as kubelet does
	spec.Command, spec.Args = expandAll(spec.Command, vars), expandAll(spec.Args, vars)
	args := argv(&spec, c.img.Config)
	if len(args) == 0 {
		return nil, fmt.Errorf("%s.command: Required value: the image has no entrypoint or cmd", c.fieldPath())
	}
	binds, err := c.binds()
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
		Env:      c.env(),
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

// env is the image's environment overridden by the pod's (its $(VAR) references expanded),
// plus HOSTNAME and a default PATH.
func (c *container) env() []string {
	podEnv, _ := expandEnv(c.spec.Env)
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

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
