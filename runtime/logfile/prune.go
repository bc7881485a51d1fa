package logfile

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// logName is a file of a container's log directory: a run's current `<run>.log` or a rotated
// `<run>.log.<time>`.
type logName struct {
	name    string
	run     int64
	rotated string // the time of a rotated file, "" for the run's current file
}

func parseLogName(name string) (logName, bool) {
	base, rotated, _ := strings.Cut(name, ".log")
	if rotated != "" {
		if rotated[0] != '.' {
			return logName{}, false
		}
		rotated = rotated[1:]
		if rotated == "" {
			return logName{}, false
		}
	} else if !strings.HasSuffix(name, ".log") {
		return logName{}, false
	}
	run, err := strconv.ParseInt(base, 10, 32)
	if err != nil || run < 0 {
		return logName{}, false
	}
	return logName{name: name, run: run, rotated: rotated}, true
}

// older orders a container's files oldest first: by run, a run's rotated files by time, its
// current file last.
func older(a, b logName) int {
	if a.run != b.run {
		return int(a.run - b.run)
	}
	switch {
	case a.rotated == b.rotated:
		return 0
	case a.rotated == "":
		return 1
	case b.rotated == "":
		return -1
	}
	return strings.Compare(a.rotated, b.rotated)
}

// Prune deletes the oldest files of the container whose current log is current until at most
// maxFiles remain, current included even before it exists (call it before creating current:
// the directory never holds more), never current itself nor the previous run's file (logs
// --previous).
func Prune(current string, maxFiles int) error {
	cur, ok := parseLogName(filepath.Base(current))
	if !ok {
		return fmt.Errorf("prune logs: %s is not a run's log", current)
	}
	dir := filepath.Dir(current)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("prune logs: %w", err)
	}
	var files []logName // all but current, which counts as one whether it exists yet or not
	for _, e := range entries {
		if n, ok := parseLogName(e.Name()); ok && n.run <= cur.run && n.name != cur.name {
			files = append(files, n)
		}
	}
	slices.SortFunc(files, older)
	prev := previousRun(files, cur.run)
	left := len(files) + 1
	for _, n := range files {
		if left <= maxFiles {
			break
		}
		if n.rotated == "" && (n.run == cur.run || n.run == prev) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, n.name)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("prune logs: %w", err)
		}
		left--
	}
	return nil
}

// previousRun is the latest run before run that has a current file (-1 if none).
func previousRun(files []logName, run int64) int64 {
	prev := int64(-1)
	for _, n := range files {
		if n.rotated == "" && n.run < run {
			prev = n.run
		}
	}
	return prev
}
