package main

import (
	"flag"
	"fmt"
	"github.com/podd/podd/bpf/oom"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/podd/podd/api"
	"github.com/podd/podd/cgroupfs"
	"github.com/podd/podd/credprovider"
	"github.com/podd/podd/netsetup"
	"github.com/podd/podd/rootfs"
	"github.com/podd/podd/runtime"
	"github.com/urfave/cli/v2"
	"k8s.io/apimachinery/pkg/api/resource"
)

func app(isInit bool) *cli.App {
	return &cli.App{
		Name:    "podd",
		Usage:   "run Kubernetes pods on this machine, no container engine",
		Version: api.BuildVersion().GitVersion, // --version, as podctl version shows it
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "root", Value: "/var/lib/podd", Usage: "state directory (pods, images, IPAM)"},
			&cli.StringFlag{Name: "run-dir", Value: "/run/podd", Usage: "runtime directory (socket, pinned namespaces)"},
			&cli.StringFlag{Name: "log-dir", Value: "/var/log/pods", Usage: "container logs"},
			&cli.StringFlag{Name: "socket", Usage: "API socket (default RUN-DIR/podd.sock)"},
			&cli.StringFlag{Name: "cgroup-root", Usage: "podd's cgroup v2 subtree (default <cgroup2 mount>/podd)"},
			&cli.StringFlag{Name: "bridge", Value: "podd0", Usage: "host bridge for pod networking (\"\" to give pods only loopback)"},
			&cli.StringSliceFlag{Name: "pod-cidr", Value: cli.NewStringSlice("10.77.0.0/16"), Usage: "pod IP range, IPv4 or IPv6; the bridge takes the first address (twice, one IPv4 and one IPv6 range such as fd77::/64, for dual-stack pods: the first one's family is their podIP's)"},
			&cli.StringSliceFlag{Name: "uplink", Usage: "interface pods' egress leaves by, where podd enables IPv4 forwarding with the bridge's, and IPv6 force_forwarding for dual-stack pods where the kernel has it (default: the default routes' interfaces of each family)"},
			&cli.BoolFlag{Name: "cleanup", Usage: "delete podd's nftables table (inet podd) and exit; refused while a podd runs on --root"},
			&cli.Int64Flag{Name: "pids-limit", Value: 4096, Usage: "pids.max of every pod"},
			&cli.StringFlag{Name: "container-log-max-size", Aliases: []string{"log-max-size"}, Value: "10Mi", Usage: "size at which a container's log file is rotated (kubelet's containerLogMaxSize)"},
			&cli.IntFlag{Name: "container-log-max-files", Aliases: []string{"log-max-files"}, Value: runtime.DefaultLogMaxFiles, Usage: "log files kept per container, the current one and the previous run's included (at least 2, for logs --previous; kubelet's containerLogMaxFiles)"},
			&cli.StringFlag{Name: "max-copy-size", Value: "1Gi", Usage: "bytes of files one `podctl cp` into a container may write (a quantity; the container's disk is the real limit)"},
			&cli.StringSliceFlag{Name: "insecure-registry", Usage: "a registry (host[:port]) pulled from over plain HTTP; loopback registries always may be (repeat the flag for more)"},
			&cli.StringFlag{Name: "image-credential-provider-config", Usage: "the kubelet's CredentialProviderConfig file (kubelet.config.k8s.io/v1): exec plugins giving registry credentials for the images their matchImages match"},
			&cli.StringFlag{Name: "image-credential-provider-bin-dir", Usage: "the directory of the credential provider plugins the config names"},
			&cli.StringFlag{Name: "max-layer-bytes", Value: "32Gi", Usage: "a pulled or loaded image layer may unpack to at most this many bytes (its compressed size too); a larger one fails the pull"},
			&cli.StringFlag{Name: "max-image-bytes", Value: "64Gi", Usage: "the layers one pull or load unpacks may total at most this many bytes, compressed or not"},
			&cli.Int64Flag{Name: "max-image-files", Value: rootfs.DefaultMaxFiles, Usage: "the layers one pull or load unpacks may hold at most this many files"},
			&cli.BoolFlag{Name: "ebpf", Value: true, Usage: "watch OOM kills with eBPF where the kernel allows (--ebpf=false: memory.events through inotify)"},
			&cli.StringFlag{Name: "oom-program", Value: oom.ProgramAuto, Usage: "the eBPF OOM program: auto (the oom/mark_victim tracepoint where it passes the victim's task, else fentry), tracepoint or fentry"},
			&cli.StringFlag{Name: "metrics-address", Usage: "serve Prometheus metrics on HOST:PORT/metrics (off by default)"},
			&cli.StringFlag{Name: "debug-address", Usage: "serve Go profiles (net/http/pprof, unauthenticated) on this unix socket path (mode 0600) or loopback HOST:PORT (off by default)"},
			&cli.StringFlag{Name: "manifests", Usage: "apply every *.yaml/*.yml/*.json in this directory at start"},
			&cli.BoolFlag{Name: "stop-pods-on-exit", Usage: "on SIGTERM/SIGINT stop every pod before exiting (as PID 1 always); otherwise podd exits and its pods keep running"},
			&cli.StringFlag{Name: "run", Usage: "once the API answers, run this script; then stop all pods and exit with its status (PODD_RUN_EXIT=N)"},
		},
		Action: func(c *cli.Context) error {
			if c.Bool("cleanup") {
				return cleanup(c)
			}
			return serve(c, isInit)
		},
	}
}

func options(c *cli.Context) (runtime.Options, error) {
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
	if o.CgroupRoot == "" {
		mnt, err := cgroupfs.V2Mount()
		if err != nil {
			return o, err
		}
		o.CgroupRoot = filepath.Join(mnt, "podd")
	}
	return o, nil
}

func socketPath(c *cli.Context) string {
	if s := c.String("socket"); s != "" {
		return s
	}
	return filepath.Join(c.String("run-dir"), "podd.sock")
}

// kernelFlags keeps the flags taken from the kernel command line (podd.KEY=VALUE as
// --KEY=VALUE) that podd's flags accept, and reports and drops the others: as PID 1 an unknown
// or malformed parameter must not stop the machine from booting.
func kernelFlags(a *cli.App, flags []string, report io.Writer) []string {
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
func checkFlag(a *cli.App, arg string) error {
	fs := flag.NewFlagSet("podd", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, f := range a.Flags {
		if err := f.Apply(fs); err != nil {
			return err
		}
	}
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
func logLimits(c *cli.Context) (int64, int, error) {
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
func imageLimits(c *cli.Context) (rootfs.Limits, error) {
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
func credentialProviders(c *cli.Context) (*credprovider.Providers, error) {
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
