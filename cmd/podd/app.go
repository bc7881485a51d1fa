package main

import (
	"fmt"
	"path/filepath"

	"github.com/podd/podd/cgroupfs"
	"github.com/podd/podd/runtime"
	"github.com/urfave/cli/v2"
	"k8s.io/apimachinery/pkg/api/resource"
)

func app(isInit bool) *cli.App {
	return &cli.App{
		Name:  "podd",
		Usage: "run Kubernetes pods on this machine, no container engine",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "root", Value: "/var/lib/podd", Usage: "state directory (pods, images, IPAM)"},
			&cli.StringFlag{Name: "run-dir", Value: "/run/podd", Usage: "runtime directory (socket, pinned namespaces)"},
			&cli.StringFlag{Name: "log-dir", Value: "/var/log/pods", Usage: "container logs"},
			&cli.StringFlag{Name: "socket", Usage: "API socket (default RUN-DIR/podd.sock)"},
			&cli.StringFlag{Name: "cgroup-root", Usage: "podd's cgroup v2 subtree (default <cgroup2 mount>/podd)"},
			&cli.StringFlag{Name: "bridge", Value: "podd0", Usage: "host bridge for pod networking (\"\" to give pods only loopback)"},
			&cli.StringFlag{Name: "pod-cidr", Value: "10.77.0.0/16", Usage: "pod IP range; the bridge takes the first address"},
			&cli.Int64Flag{Name: "pids-limit", Value: 4096, Usage: "pids.max of every pod"},
			&cli.StringFlag{Name: "log-max-size", Value: "10Mi", Usage: "disk a container run's log may hold; past it the oldest output is dropped (kubelet's containerLogMaxSize)"},
			&cli.IntFlag{Name: "log-max-files", Value: runtime.DefaultLogMaxFiles, Usage: "run log files kept per container, the current one included (at least 2, for logs --previous)"},
			&cli.StringFlag{Name: "manifests", Usage: "apply every *.yaml/*.yml/*.json in this directory at start"},
			&cli.StringFlag{Name: "run", Usage: "once the API answers, run this script; then stop all pods and exit with its status (PODD_RUN_EXIT=N)"},
		},
		Action: func(c *cli.Context) error { return serve(c, isInit) },
	}
}

func options(c *cli.Context) (runtime.Options, error) {
	o := runtime.Options{
		Root: c.String("root"), Run: c.String("run-dir"), LogDir: c.String("log-dir"),
		CgroupRoot: c.String("cgroup-root"), Bridge: c.String("bridge"), PodCIDR: c.String("pod-cidr"),
		PidsLimit: c.Int64("pids-limit"),
	}
	var err error
	if o.LogMaxSize, o.LogMaxFiles, err = logLimits(c); err != nil {
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

// logLimits reads --log-max-size (a quantity: 10Mi) and --log-max-files.
func logLimits(c *cli.Context) (int64, int, error) {
	q, err := resource.ParseQuantity(c.String("log-max-size"))
	if err != nil {
		return 0, 0, fmt.Errorf("--log-max-size %q: %w", c.String("log-max-size"), err)
	}
	if q.Value() < minLogMaxSize {
		return 0, 0, fmt.Errorf("--log-max-size %q: must be at least 16Ki", c.String("log-max-size"))
	}
	if n := c.Int("log-max-files"); n < 2 {
		return 0, 0, fmt.Errorf("--log-max-files %d: must be at least 2 (the current run and the previous one)", n)
	}
	return q.Value(), c.Int("log-max-files"), nil
}

// minLogMaxSize leaves room for whole blocks to punch and a tail to keep.
const minLogMaxSize = 16 << 10
