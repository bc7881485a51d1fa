package runtime

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/podd/podd/runtime/logfile"
)

// Log disk defaults: kubelet's containerLogMaxSize and containerLogMaxFiles.
const (
	DefaultLogMaxSize  = 10 << 20
	DefaultLogMaxFiles = 5
)

// watchLogs caps the log file of every container's current run at --log-max-size while the
// container writes it (podd stays out of the data path: it punches the oldest data out of the
// file), and keeps at most --log-max-files run files per container.
func (rt *Runtime) watchLogs(ctx context.Context) {
	w := &logfile.Watcher{Max: rt.logMaxSize(), List: rt.liveLogs, Added: rt.pruneRuns, Logf: logf}
	w.Run(ctx)
}

func (rt *Runtime) logMaxSize() int64 {
	if rt.opts.LogMaxSize > 0 {
		return rt.opts.LogMaxSize
	}
	return DefaultLogMaxSize
}

// liveLogs lists the log file of the latest run of every container. The run number comes from
// the status (written under the pod's lock): a restart's new file is watched from the moment the
// run is recorded as started.
func (rt *Runtime) liveLogs() []string {
	var out []string
	for _, p := range rt.podsWhere(nil) {
		p.mu.Lock()
		for _, c := range p.all() {
			out = append(out, c.logPath(c.status().RestartCount))
		}
		p.mu.Unlock()
	}
	return out
}

// pruneRuns deletes the oldest run files of a container once a new run's file exists, keeping
// --log-max-files of them (the current and, for logs --previous, the last one at least).
func (rt *Runtime) pruneRuns(current string) {
	keep := rt.opts.LogMaxFiles
	if keep <= 0 {
		keep = DefaultLogMaxFiles
	}
	run, err := strconv.ParseInt(strings.TrimSuffix(filepath.Base(current), ".log"), 10, 32)
	if err != nil {
		return
	}
	dir := filepath.Dir(current)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		n, err := strconv.ParseInt(strings.TrimSuffix(e.Name(), ".log"), 10, 32)
		if err != nil || !strings.HasSuffix(e.Name(), ".log") || n > run-int64(keep) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			logf("log files: %v", err)
		}
	}
}
