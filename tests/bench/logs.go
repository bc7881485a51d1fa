package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Log throughput (issue 9): one container writes logLines lines of logLineBytes, one write(2)
// each as an unbuffered logger does (`testapp lines`), and times its writes itself. Captured:
// to its stdout, which podd reads into the CRI log (framing, timestamps, rotation at 10 MiB
// included); direct: the same program in the same run writing to a file on an emptyDir.
const (
	logLines     = 200000
	logLineBytes = 64
	logRounds    = 3 // captured and direct alternate, so both see the same host load
)

const logPod = `apiVersion: v1
kind: Pod
metadata:
  name: %s
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  volumes:
  - name: out
    emptyDir: {}
  containers:
  - name: app
    image: %s
    command: %s
    volumeMounts:
    - name: out
      mountPath: /out
`

// logsScenario runs on a fresh podd: the throughput rounds, then podd's footprint with pods
// that log (logFootprint).
func (b *bench) logsScenario() error {
	if err := b.warmUp(); err != nil {
		return err
	}
	var captured, direct, cpu []float64
	for i := range logRounds {
		for _, toFile := range []bool{false, true} {
			rate, podCPU, err := b.logRound(fmt.Sprintf("log-rate-%d-%v", i, toFile), toFile)
			if err != nil {
				return err
			}
			if toFile {
				direct = append(direct, rate)
			} else {
				captured, cpu = append(captured, rate), append(cpu, podCPU)
			}
		}
	}
	c, d := row{"log-lines-per-s-captured", "lines/s", captured}, row{"log-lines-per-s-direct", "lines/s", direct}
	b.add(c)
	b.add(d)
	cm, dm := c.stats().median, d.stats().median
	b.info("log-throughput", "%d lines of %d B, one write each: captured by podd %.0f lines/s, to a file directly %.0f lines/s: "+
		"%.2f of direct (medians of %d, same run); podd's CPU %.2f µs per captured line",
		logLines, logLineBytes, cm, dm, cm/dm, logRounds, summarize(cpu).median)
	return b.logFootprint()
}

// logRound runs one `testapp lines` pod until it ends and returns the rate it printed and, when
// it wrote to its stdout, podd's CPU time per line meanwhile (µs).
func (b *bench) logRound(name string, toFile bool) (rate, cpuPerLine float64, err error) {
	args := []string{"/bin/testapp", "lines", strconv.Itoa(logLines), strconv.Itoa(logLineBytes)}
	if toFile {
		args = append(args, "/out/lines")
	}
	cmd, _ := json.Marshal(args)
	path := filepath.Join(b.env.dir, "manifests", name+".yaml")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return 0, 0, err
	}
	if err := os.WriteFile(path, []byte(fmt.Sprintf(logPod, name, b.image, cmd)), 0o644); err != nil {
		return 0, 0, err
	}
	cpu0, err := procCPU(b.podd.pid)
	if err != nil {
		return 0, 0, err
	}
	if _, err := b.apply(path); err != nil {
		return 0, 0, err
	}
	p, err := b.waitTerminated(name, 5*time.Minute)
	if err != nil {
		return 0, 0, err
	}
	cpu1, err := procCPU(b.podd.pid)
	if err != nil {
		return 0, 0, err
	}
	if rate, err = b.printedRate(p); err != nil {
		return 0, 0, err
	}
	if _, err := b.del(name); err != nil {
		return 0, 0, err
	}
	return rate, float64(cpu1-cpu0) / float64(time.Microsecond) / logLines, nil
}

// waitTerminated polls the pod until its container terminated with exit code 0.
func (b *bench) waitTerminated(name string, limit time.Duration) (*corev1.Pod, error) {
	for t0 := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		p, err := b.getPod(name)
		if err != nil {
			return nil, err
		}
		if s := p.Status.ContainerStatuses; len(s) == 1 && s[0].State.Terminated != nil {
			if t := s[0].State.Terminated; t.ExitCode != 0 {
				return nil, fmt.Errorf("pod %s: container exited %d (%s)", name, t.ExitCode, t.Message)
			}
			return p, nil
		}
		if time.Since(t0) > limit {
			return nil, fmt.Errorf("pod %s: container not terminated after %v", name, limit)
		}
	}
}

var rateRecord = regexp.MustCompile(` stderr F lines (\d+) in [0-9.]+ s: ([0-9]+) lines/s$`)

// printedRate finds the rate `testapp lines` printed on stderr in the container's log files
// (the current one and the rotated ones), and checks the captured run's lines all arrived.
func (b *bench) printedRate(p *corev1.Pod) (float64, error) {
	dir := filepath.Join(b.env.logDir(), p.Namespace+"_"+p.Name+"_"+string(p.UID), "app")
	files, err := filepath.Glob(filepath.Join(dir, "0.log*"))
	if err != nil {
		return 0, err
	}
	rate, stdout := -1.0, 0
	for _, f := range files {
		r, n, err := scanLog(f)
		if err != nil {
			return 0, err
		}
		rate, stdout = max(rate, r), stdout+n
	}
	switch {
	case rate < 0:
		return 0, fmt.Errorf("pod %s: no rate line in %s", p.Name, dir)
	case stdout != 0 && stdout != logLines:
		return 0, fmt.Errorf("pod %s: %d stdout records in %s, want %d", p.Name, stdout, dir, logLines)
	}
	return rate, nil
}

// scanLog returns the rate printed in a CRI log file (-1 if none) and its stdout records.
func scanLog(path string) (rate float64, stdout int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	rate = -1
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if m := rateRecord.FindStringSubmatch(line); m != nil {
			rate, _ = strconv.ParseFloat(m[2], 64)
		} else if strings.Contains(line, " stdout F ") {
			stdout++
		}
	}
	return rate, stdout, sc.Err()
}

// procCPU is the CPU time (user + system, every thread) the process used so far, from
// /proc/PID/stat in clock ticks (USER_HZ, 100 on Linux).
func procCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields after the command", pid, len(f))
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: utime %q stime %q", pid, f[11], f[12])
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}
