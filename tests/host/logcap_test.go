package host

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// lineCheck counts what podctl prints and checks it is 'x'* then one newline, keeping nothing.
type lineCheck struct {
	n       int64
	bad     int64 // bytes that are neither 'x' nor the final newline
	newline int64 // offset of the first newline, -1 if none
}

func (c *lineCheck) Write(p []byte) (int, error) {
	for i, b := range p {
		switch {
		case b == '\n' && c.newline < 0:
			c.newline = c.n + int64(i)
		case b != 'x':
			c.bad++
		}
	}
	c.n += int64(len(p))
	return len(p), nil
}

// TestLogsTailOfHugeLine: `podctl logs --tail 1` of a 100 MB line prints the whole line while
// podd's memory stays flat (podd used to keep the whole line, then some).
func TestLogsTailOfHugeLine(t *testing.T) {
	const size = 100 << 20
	d := StartPodd(t, "--log-max-size", "256Mi") // the line must not be capped away
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: big}
spec:
  containers:
  - name: app
    image: ` + testImage + `
    command: [/bin/sh, -c, "echo first; head -c ` + strconv.Itoa(size) + ` /dev/zero | tr '\\0' x; echo; exec sleep 100000"]
`)
	pod := d.MustGetPod("big")
	log := filepath.Join(d.LogDir, "default_big_"+string(pod.UID), "app", "0.log")
	// The log holds CRI records (issue 9): the 100 MB line as P records, ended by an F one.
	eventually(t, 60*time.Second, "the container wrote its 100 MB line", func() error {
		return endsWithFinalRecord(log, size)
	})
	// Reset podd's peak RSS (VmHWM), then compare it with the RSS before the logs call.
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", d.PID()), []byte("5"), 0); err != nil {
		t.Fatalf("reset peak RSS: %v", err)
	}
	before := procStatusKiB(t, d.PID(), "VmRSS") << 10
	check := &lineCheck{newline: -1}
	cmd := exec.Command(podctlBin, "logs", "big", "--tail", "1")
	cmd.Env = append(os.Environ(), "PODD_SOCKET="+d.Socket)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = check, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("podctl logs big --tail 1: %v: %s", err, stderr.String())
	}
	peak := procStatusKiB(t, d.PID(), "VmHWM") << 10
	t.Logf("podd RSS before %d MiB, peak during logs --tail 1: %d MiB", before>>20, peak>>20)
	if delta := peak - before; delta > 40<<20 {
		t.Errorf("podd's peak RSS grew by %d MiB during logs --tail 1 of a 100 MB line; want < 40 MiB", delta>>20)
	}
	if check.n != size+1 || check.bad != 0 || check.newline != size {
		t.Errorf("podctl logs --tail 1: %d bytes (%d not 'x', newline at %d); want the %d-byte line and its newline", check.n, check.bad, check.newline, size)
	}
}

// diskUse is du of dir: the sum of st_blocks * 512 of everything under it.
// endsWithFinalRecord: the log at path holds more than size bytes and ends with an empty F
// record (the newline that ends the long line).
func endsWithFinalRecord(path string, size int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size() <= size {
		return fmt.Errorf("%s: %v, %v", path, st, err)
	}
	// The last record is an F one: empty when the line's length is a multiple of the P records'
	// size and its newline came in a read of its own, else holding the line's last piece.
	tail := make([]byte, min(st.Size(), 64<<10))
	if _, err := f.ReadAt(tail, st.Size()-int64(len(tail))); err != nil || !bytes.HasSuffix(tail, []byte("\n")) {
		return fmt.Errorf("%s: no whole record at its end: %v", path, err)
	}
	last := tail[bytes.LastIndexByte(tail[:len(tail)-1], '\n')+1:]
	if fields := bytes.SplitN(last, []byte(" "), 4); len(fields) < 3 || string(fields[2]) != "F" {
		return fmt.Errorf("%s ends with the record %.60q: not an F one", path, last)
	}
	return nil
}

func diskUse(dir string) (int64, error) {
	var total int64
	seen := map[uint64]bool{} // as du: a file with two names (a rotation's link) counts once
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // pruned while we walk
		}
		if err != nil {
			return err
		}
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		if !seen[st.Ino] {
			seen[st.Ino] = true
			total += st.Blocks * 512
		}
		return nil
	})
	return total, err
}

// TestLogDiskBounded: a container running `yes` for 20 s cannot fill the disk: its log
// directory stays near --container-log-max-size x --container-log-max-files (10Mi x 5 by
// default: since issue 9 logs rotate as the kubelet's, where the cap was 10Mi in one file),
// and logs --tail still works.
func TestLogDiskBounded(t *testing.T) {
	const capBytes, files, slack = 10 << 20, 5, 2 << 20
	d := StartPodd(t)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: spew}
spec:
  containers:
  - name: app
    image: ` + testImage + `
    command: ["yes"]
`)
	pod := d.MustGetPod("spew")
	dir := filepath.Join(d.LogDir, "default_spew_"+string(pod.UID))
	log := filepath.Join(dir, "app", "0.log")
	var peak, written int64
	seen := map[string]bool{} // rotated files
	// 20 s, or up to 60 s until the rotation and pruning have been exercised (a podd built with
	// the race detector on a slow machine captures a few MB/s).
	start := time.Now()
	enough := func() bool {
		st, err := os.Stat(log)
		return err == nil && int64(len(seen))*capBytes+st.Size() >= (files+1)*capBytes
	}
	for ; time.Since(start) < 20*time.Second || !enough() && time.Since(start) < time.Minute; time.Sleep(100 * time.Millisecond) {
		used, err := diskUse(dir)
		if err != nil {
			t.Fatal(err)
		}
		peak = max(peak, used)
		if used > files*capBytes+slack {
			t.Fatalf("log directory holds %d MiB after %v; want < %d x %d MiB + %d MiB", used>>20, time.Since(start), files, capBytes>>20, slack>>20)
		}
		rotated, _ := filepath.Glob(log + ".*")
		for _, r := range rotated {
			seen[r] = true
		}
		if n, _ := filepath.Glob(filepath.Join(dir, "app", "*")); len(n) > files {
			t.Fatalf("%d log files %v; want at most %d", len(n), n, files)
		}
	}
	if st, err := os.Stat(log); err == nil {
		written = int64(len(seen))*capBytes + st.Size()
	}
	final, _ := diskUse(dir)
	t.Logf("yes wrote %d MiB in %v; log directory peak %d MiB, now %d MiB", written>>20, time.Since(start).Round(time.Second), peak>>20, final>>20)
	if written < (files+1)*capBytes {
		t.Errorf("yes wrote only %d bytes of log: the rotation and pruning were not exercised", written)
	}
	out := d.MustCtl("logs", "spew", "--tail", "3")
	if out != "y\ny\ny\n" {
		t.Errorf("podctl logs spew --tail 3: %d bytes %q", len(out), out[:min(len(out), 40)])
	}
	// The whole log (its current file) is whole "y" lines.
	r := d.CtlStream("logs", "spew")
	if err := r.Wait(t, 30*time.Second); err != nil {
		t.Errorf("podctl logs spew: %v", err)
	}
	if o := r.Output(); len(o) == 0 || len(o) > 2*capBytes || strings.Trim(o, "y\n") != "" || !strings.HasPrefix(o, "y\n") {
		t.Errorf("podctl logs spew: %d bytes, want up to the cap of whole \"y\" lines (starts %q)", len(o), o[:min(len(o), 20)])
	}
}

// TestEmptyDirSizeLimitEvicts: 20 MB written into a 1Mi emptyDir gets the pod evicted, as
// kubelet does: every container killed and not restarted, phase Failed, reason Evicted; the pod
// stays listed until deleted, and the delete leaves nothing.
func TestEmptyDirSizeLimitEvicts(t *testing.T) {
	d := StartPodd(t)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: filler}
spec:
  restartPolicy: Always
  volumes: [{name: data, emptyDir: {sizeLimit: 1Mi}}]
  containers:
  - name: fill
    image: ` + testImage + `
    volumeMounts: [{name: data, mountPath: /data}]
    command: [/bin/sh, -c, "dd if=/dev/zero of=/data/big bs=1M count=20 && exec sleep 100000"]
  - name: other
    image: ` + testImage + `
    command: [sleep, "100000"]
`)
	pod := d.MustGetPod("filler")
	pids := containerPIDs(t, pod)
	const msg = `Usage of EmptyDir volume "data" exceeds the limit "1Mi".`
	evicted := d.WaitPod("filler", 5*time.Second, "Failed, Evicted", func(p *corev1.Pod) error {
		if p.Status.Phase != corev1.PodFailed || p.Status.Reason != "Evicted" || p.Status.Message != msg {
			return fmt.Errorf("phase %q reason %q message %q", p.Status.Phase, p.Status.Reason, p.Status.Message)
		}
		for _, cs := range p.Status.ContainerStatuses {
			if cs.State.Terminated == nil {
				return fmt.Errorf("container %s: %+v", cs.Name, cs.State)
			}
		}
		return nil
	})
	for name, pid := range pids {
		if alive(pid) {
			t.Errorf("container %s: process %d still running after the eviction", name, pid)
		}
	}
	time.Sleep(2 * time.Second) // restartPolicy Always must not bring them back
	p := d.MustGetPod("filler")
	for _, cs := range p.Status.ContainerStatuses {
		if cs.State.Terminated == nil || cs.RestartCount != 0 {
			t.Errorf("container %s after the eviction: restarts %d, state %+v", cs.Name, cs.RestartCount, cs.State)
		}
	}
	if p.Status.Phase != corev1.PodFailed {
		t.Errorf("phase after 2 s: %s", p.Status.Phase)
	}
	desc := d.MustCtl("describe", "pod", "filler")
	if !strings.Contains(desc, "Evicted") || !strings.Contains(desc, msg) {
		t.Errorf("podctl describe pod filler: no reason/message:\n%s", desc)
	}
	if !regexp.MustCompile(`(?m)^\s+Warning\s+Evicted\s+\S+\s+podd\s+` + regexp.QuoteMeta(msg) + `$`).MatchString(desc) {
		t.Errorf("podctl describe pod filler: no Warning Evicted event with the message:\n%s", desc)
	}
	d.MustCtl("delete", "pod", "filler")
	d.AssertPodGone(evicted)
}
