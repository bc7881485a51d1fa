package ctl

import (
	"fmt"
	"io"
	"strings"

	"github.com/podd/podd/internal/cli"
	"github.com/podd/podd/podopts"
)

// printInfo writes one "key: value" line each: version, cgroup, one per watcher
// ("oom-watch: ebpf (oom/mark_victim)", "oom-watch: memory.events (fallback: why)"), and the
// OOM report latency once a kill was reported through eBPF.
func printInfo(w io.Writer, in *podopts.Info) {
	fmt.Fprintf(w, "version: %s\n", in.Version)
	cg := in.CgroupMode
	if in.CgroupMount != "" {
		cg += " (" + in.CgroupMount + ")"
	}
	if len(in.Controllers) > 0 {
		cg += ", pod controllers: " + strings.Join(in.Controllers, " ")
	}
	fmt.Fprintf(w, "cgroup: %s\n", cg)
	for _, wt := range in.Watchers {
		if wt.Fallback != "" {
			fmt.Fprintf(w, "%s: %s (fallback: %s)\n", wt.Name, wt.Mechanism, wt.Fallback)
		} else {
			fmt.Fprintf(w, "%s: %s\n", wt.Name, wt.Mechanism)
		}
	}
	if l := in.OOMReportLatency; l != nil {
		fmt.Fprintf(w, "oom-report-latency: %d kills, p50 %v, p99 %v, max %v\n", l.Count, l.P50, l.P99, l.Max)
	}
}

func infoAction(c *cli.Context) error {
	in, err := newClient(c).Info(c.Context)
	if err != nil {
		return err
	}
	printInfo(c.App.Writer, in)
	return nil
}
