package runtime

import (
	"runtime/debug"
	"slices"
	"time"

	"github.com/podd/podd/cgroupfs"
	"github.com/podd/podd/podopts"
	"golang.org/x/sys/unix"
)

// Info is podd's version, cgroup mode and watchers (GET /podd/v1/info, `podctl info`).
func (rt *Runtime) Info() podopts.Info {
	in := podopts.Info{Version: version()}
	in.CgroupMode, in.CgroupMount = cgroupMode()
	for c, ok := range rt.avail {
		if ok {
			in.Controllers = append(in.Controllers, c)
		}
	}
	slices.Sort(in.Controllers)
	in.Watchers = []podopts.Watcher{rt.oomWatcherInfo(), rt.probeLatencyInfo()}
	if lat := rt.OOMLatencies(); len(lat) > 0 {
		in.OOMReportLatency = summarize(lat)
	}
	return in
}

func (rt *Runtime) oomWatcherInfo() podopts.Watcher {
	mech, why := rt.OOMWatch()
	if mech == "" {
		return podopts.Watcher{Name: "oom-watch", Mechanism: "none"}
	}
	return podopts.Watcher{Name: "oom-watch", Mechanism: mech, Fallback: why}
}

// version is the module version and VCS revision go build stamped into the binary.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	var rev, dirty string
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision" && len(s.Value) >= 12:
			rev = s.Value[:12]
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "-dirty"
		}
	}
	if rev != "" {
		v += " " + rev + dirty
	}
	return v + " " + bi.GoVersion
}

// cgroupMode is "v2" when /sys/fs/cgroup is the cgroup2 filesystem, "hybrid" when cgroup2 is
// mounted elsewhere next to v1 hierarchies.
func cgroupMode() (mode, mount string) {
	mount, err := cgroupfs.V2Mount()
	if err != nil {
		return "v1", ""
	}
	var st unix.Statfs_t
	if unix.Statfs("/sys/fs/cgroup", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		return "v2", mount
	}
	return "hybrid", mount
}

// summarize gives the count, median, 99th percentile (nearest rank) and maximum of d.
func summarize(d []time.Duration) *podopts.Latency {
	s := slices.Clone(d)
	slices.Sort(s)
	rank := func(p int) time.Duration { return s[max(0, (len(s)*p+99)/100-1)] }
	return &podopts.Latency{Count: len(s), P50: rank(50), P99: rank(99), Max: s[len(s)-1]}
}
