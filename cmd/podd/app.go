package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/podd/podd/api"
	"github.com/podd/podd/bpf/oom"
	"github.com/podd/podd/cgroupfs"
	"github.com/podd/podd/credprovider"
	"github.com/podd/podd/netsetup"
	"github.com/podd/podd/rootfs"
	"github.com/podd/podd/runtime"
	"k8s.io/apimachinery/pkg/api/resource"
)

func app(isInit bool) *command {
	return &command{
		Name:  "podd",
		Usage: "run Kubernetes pods on this machine, no container engine",
		Flags: []option{
			{[]string{"root"}, "/var/lib/podd", "state directory (pods, images, IPAM)"},
			{[]string{"run-dir"}, "/run/podd", "runtime directory (socket, pinned namespaces)"},
			{[]string{"log-dir"}, "/var/log/pods", "container logs"},
			{[]string{"socket"}, "", "API socket (default RUN-DIR/podd.sock)"},
			{[]string{"cgroup-root"}, "", "podd's cgroup v2 subtree (default <cgroup2 mount>/podd)"},
			{[]string{"bridge"}, "podd0", "host bridge for pod networking (\"\" to give pods only loopback)"},
			{[]string{"pod-cidr"}, []string{"10.77.0.0/16"}, "pod IP range; the bridge takes the first address (twice, one IPv4 and one IPv6 range such as fd77::/64, for dual-stack pods: the first one's family is their podIP's)"},
			{[]string{"uplink"}, []string(nil), "interface pods' egress leaves by, where podd enables IPv4 forwarding with the bridge's, and IPv6 force_forwarding for dual-stack pods where the kernel has it (default: the default routes' interfaces of each family)"},
			{[]string{"cleanup"}, false, "delete podd's nftables table (inet podd) and exit; refused while a podd runs on --root"},
			{[]string{"pids-limit"}, int64(4096), "pids.max of every pod"},
			{[]string{"container-log-max-size", "log-max-size"}, "10Mi", "size at which a container's log file is rotated (kubelet's containerLogMaxSize)"},
			{[]string{"container-log-max-files", "log-max-files"}, runtime.DefaultLogMaxFiles, "log files kept per container, the current one and the previous run's included (at least 2, for logs --previous; kubelet's containerLogMaxFiles)"},
			{[]string{"max-copy-size"}, "1Gi", "bytes of files one 'podctl cp' into a container may write (a quantity; the container's disk is the real limit)"},
			{[]string{"insecure-registry"}, []string(nil), "a registry (host[:port]) pulled from over plain HTTP; loopback registries always may be (repeat the flag for more)"},
			{[]string{"image-credential-provider-config"}, "", "the kubelet's CredentialProviderConfig file (kubelet.config.k8s.io/v1): exec plugins giving registry credentials for the images their matchImages match"},
			{[]string{"image-credential-provider-bin-dir"}, "", "the directory of the credential provider plugins the config names"},
			{[]string{"image-pull-credentials-verification-policy"}, string(rootfs.NeverVerifyPreloadedImages), "the kubelet's imagePullCredentialsVerificationPolicy: which images present here a pod must show credentials for (else it pulls them itself): NeverVerify, NeverVerifyPreloadedImages (images pulled with a pod's pull secret), NeverVerifyAllowlistedImages (those and loaded images off the allowlist) or AlwaysVerify (loaded images too)"},
			{[]string{"preloaded-images-verification-allowlist"}, []string(nil), "with NeverVerifyAllowlistedImages: an image name without tag or digest (registry.k8s.io/pause, alpine), or one ending in /* for all under it, whose loaded images every pod may use (repeat the flag for more)"},
			{[]string{"max-layer-bytes"}, "32Gi", "a pulled or loaded image layer may unpack to at most this many bytes (its compressed size too); a larger one fails the pull"},
			{[]string{"max-image-bytes"}, "64Gi", "the layers one pull or load unpacks may total at most this many bytes, compressed or not"},
			{[]string{"max-image-files"}, int64(rootfs.DefaultMaxFiles), "the layers one pull or load unpacks may hold at most this many files"},
			{[]string{"ebpf"}, true, "watch OOM kills with eBPF where the kernel allows (--ebpf=false: memory.events through inotify)"},
			{[]string{"oom-program"}, oom.ProgramAuto, "the eBPF OOM program: auto (the oom/mark_victim tracepoint where it passes the victim's task, else fentry), tracepoint or fentry"},
			{[]string{"metrics-address"}, "", "serve Prometheus metrics on HOST:PORT/metrics (off by default)"},
			{[]string{"debug-address"}, "", "serve Go profiles (net/http/pprof, unauthenticated) on this unix socket path (mode 0600) or loopback HOST:PORT (off by default)"},
			{[]string{"manifests"}, "", "apply every *.yaml/*.yml/*.json in this directory at start"},
			{[]string{"stop-pods-on-exit"}, false, "on SIGTERM/SIGINT stop every pod before exiting (as PID 1 always); otherwise podd exits and its pods keep running"},
			{[]string{"version"}, false, "print podd's version (as podctl version shows it) and exit"},
			{[]string{"run"}, "", "once the API answers, run this script; then stop all pods and exit with its status (PODD_RUN_EXIT=N)"},
		},
		Action: func(c *config) error {
			if c.Bool("version") {
				fmt.Println("podd version " + api.BuildVersion().GitVersion)
				return nil
			}
			if c.Bool("cleanup") {
				return cleanup(c)
			}
			return serve(c, isInit)
		},
	}
}

func options(c *config) (runtime.Options, error) {
	o := runtime.Options{
		Root: c.String("root"), Run: c.String("run-dir"), LogDir: c.String("log-dir"),
		CgroupRoot: c.String("cgroup-root"), Bridge: c.String("bridge"), PodCIDRs: c.StringSlice("pod-cidr"),
		PidsLimit: c.Int64("pids-limit"), InsecureRegistries: c.StringSlice("insecure-registry"),
		Uplinks: c.StringSlice("uplink"),
		EBPF:    c.Bool("ebpf"), OOMProgram: c.String("oom-program"),
	}
	if err := oom.CheckProgram(o.OOMProgram); err != nil {
		return o, err
	}
	var err error
	if o.LogMaxSize, o.LogMaxFiles, err = logLimits(c); err != nil {
		return o, err
	}
	if o.ImageLimits, err = imageLimits(c); err != nil {
		return o, err
	}
	if o.CredentialProviders, err = credentialProviders(c); err != nil {
		return o, err
	}
	o.ImageVerify = rootfs.VerifyPolicy(c.String("image-pull-credentials-verification-policy"))
	o.ImageVerifyAllowlist = c.StringSlice("preloaded-images-verification-allowlist")
	if err := rootfs.CheckVerifyPolicy(o.ImageVerify, o.ImageVerifyAllowlist); err != nil {
		return o, fmt.Errorf("--image-pull-credentials-verification-policy: %w", err)
	}
	if o.CgroupRoot == "" {
		mnt, err := cgroupfs.V2Mount()
		if err != nil {
			return o, err
		}
		o.CgroupRoot = filepath.Join(mnt, "podd")
	}
	return o, nil
}

func socketPath(c *config) string {
	if s := c.String("socket"); s != "" {
		return s
	}
	return filepath.Join(c.String("run-dir"), "podd.sock")
}

// kernelFlags keeps the flags taken from the kernel command line (podd.KEY=VALUE as
// --KEY=VALUE) that podd's flags accept, and reports and drops the others: as PID 1 an unknown
// or malformed parameter must not stop the machine from booting.
func kernelFlags(a *command, flags []string, report io.Writer) []string {
	var ok []string
	for _, f := range flags {
		if err := checkFlag(a, f); err != nil {
			fmt.Fprintf(report, "podd: kernel parameter podd.%s ignored: %v\n", strings.TrimPrefix(f, "--"), err)
			continue
		}
		ok = append(ok, f)
	}
	return ok
}

// checkFlag parses one --KEY=VALUE with the app's flags alone, then checks the values podd
// would only find wrong later (and then fail to start).
func checkFlag(a *command, arg string) error {
	fs := a.flagSet(io.Discard)
	if err := fs.Parse([]string{arg}); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("not a flag: %q", arg)
	}
	name, value, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	if check := flagChecks[name]; check != nil {
		return check(value)
	}
	return nil
}

// flagChecks check the values of flags beyond their type.
var flagChecks = map[string]func(string) error{
	"root": absPath, "run-dir": absPath, "log-dir": absPath, "socket": absPath,
	"cgroup-root": absPath, "manifests": absPath, "run": absPath,
	"image-credential-provider-config": absPath, "image-credential-provider-bin-dir": absPath,
	"image-pull-credentials-verification-policy": func(v string) error { return rootfs.CheckVerifyPolicy(rootfs.VerifyPolicy(v), nil) },
	"preloaded-images-verification-allowlist": func(v string) error {
		return rootfs.CheckVerifyPolicy(rootfs.NeverVerifyAllowlistedImages, []string{v})
	},
	"pod-cidr": func(v string) error {
		_, err := netsetup.ParsePodCIDRs([]string{v})
		return err
	},
	"container-log-max-size": checkLogMaxSizeFlag, "log-max-size": checkLogMaxSizeFlag,
	"container-log-max-files": checkLogMaxFilesFlag, "log-max-files": checkLogMaxFilesFlag,
	"max-copy-size": func(v string) error { _, err := parseCopySize(v); return err },
	"pids-limit": func(v string) error {
		if n, _ := strconv.ParseInt(v, 10, 64); n < 0 {
			return fmt.Errorf("invalid value %q: must not be negative", v)
		}
		return nil
	},
}

func checkLogMaxSizeFlag(v string) error {
	_, err := parseLogMaxSize(v)
	return err
}

func checkLogMaxFilesFlag(v string) error {
	n, _ := strconv.Atoi(v)
	return checkLogMaxFiles(n)
}

func absPath(v string) error {
	if v != "" && !filepath.IsAbs(v) {
		return fmt.Errorf("invalid value %q: must be an absolute path", v)
	}
	return nil
}

// logLimits reads --container-log-max-size (a quantity: 10Mi) and --container-log-max-files
// (also spelt --log-max-size and --log-max-files, their names before issue 9).
func logLimits(c *config) (int64, int, error) {
	size, err := parseLogMaxSize(c.String("container-log-max-size"))
	if err != nil {
		return 0, 0, fmt.Errorf("--container-log-max-size: %w", err)
	}
	n := c.Int("container-log-max-files")
	if err := checkLogMaxFiles(n); err != nil {
		return 0, 0, fmt.Errorf("--container-log-max-files: %w", err)
	}
	return size, n, nil
}

// imageLimits reads --max-layer-bytes, --max-image-bytes and --max-image-files.
func imageLimits(c *config) (rootfs.Limits, error) {
	l := rootfs.Limits{Files: c.Int64("max-image-files")}
	for _, f := range []struct {
		name string
		to   *int64
	}{{"max-layer-bytes", &l.LayerBytes}, {"max-image-bytes", &l.ImageBytes}} {
		q, err := resource.ParseQuantity(c.String(f.name))
		if err != nil || q.Value() <= 0 {
			return l, fmt.Errorf("--%s: invalid value %q: a positive quantity (bytes, 64Gi)", f.name, c.String(f.name))
		}
		*f.to = q.Value()
	}
	if l.Files <= 0 {
		return l, fmt.Errorf("--max-image-files: invalid value %d: must be positive", l.Files)
	}
	return l, nil
}

// credentialProviders loads --image-credential-provider-config with the plugins of
// --image-credential-provider-bin-dir (both or neither), as the kubelet does at start.
func credentialProviders(c *config) (*credprovider.Providers, error) {
	file, dir := c.String("image-credential-provider-config"), c.String("image-credential-provider-bin-dir")
	switch {
	case file == "" && dir == "":
		return nil, nil
	case file == "":
		return nil, fmt.Errorf("--image-credential-provider-bin-dir: needs --image-credential-provider-config")
	case dir == "":
		return nil, fmt.Errorf("--image-credential-provider-config: needs --image-credential-provider-bin-dir")
	}
	ps, err := credprovider.Load(file, dir)
	if err != nil {
		return nil, fmt.Errorf("--image-credential-provider-config: %w", err)
	}
	return ps, nil
}

// parseLogMaxSize reads a --container-log-max-size value, at least minLogMaxSize.
func parseLogMaxSize(v string) (int64, error) {
	q, err := resource.ParseQuantity(v)
	if err != nil {
		return 0, fmt.Errorf("invalid value %q: %w", v, err)
	}
	if q.Value() < minLogMaxSize {
		return 0, fmt.Errorf("invalid value %q: must be at least 16Ki", v)
	}
	return q.Value(), nil
}

// checkLogMaxFiles: the current run and the previous one (logs --previous) at least.
func checkLogMaxFiles(n int) error {
	if n < 2 {
		return fmt.Errorf("invalid value %d: must be at least 2 (the current run and the previous one)", n)
	}
	return nil
}

// minLogMaxSize holds a whole record (a 16 KiB line and its header) most of the time.
const minLogMaxSize = 16 << 10
