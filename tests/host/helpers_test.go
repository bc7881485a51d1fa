package host

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/podd/podd/internal/nsthread"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
)

// Podd is one podd under test with its own directories and cgroup subtree, in a network and a
// mount namespace that a holder process keeps alive, so podd can be killed and started again
// in the same namespaces (as after a crash or an upgrade on a real host).
type Podd struct {
	t      *testing.T
	Dir    string   // holds everything below and podd.log
	Root   string   // --root
	RunDir string   // --run-dir
	LogDir string   // --log-dir
	Socket string   // RUN-DIR/podd.sock
	Cgroup string   // --cgroup-root
	Bin    string   // the podd binary Start runs (poddBin unless a test copies it)
	Env    []string // extra environment for the next Start (PODD_CRASH_AT=...)
	holder *exec.Cmd
	proc   *poddProc
	args   []string // extra podd flags
}

// poddProc is one run of the podd binary.
type poddProc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // Wait's result, once done is closed
}

// StartPodd starts a podd (with extra flags args) for the test and registers its teardown: the
// holder's namespaces, a cgroup subtree of its own, and everything removed at the end.
func StartPodd(t *testing.T, args ...string) *Podd {
	t.Helper()
	return StartPoddWith(t, func(d *Podd) { d.args = args })
}

// StartPoddWith is StartPodd with configure (when not nil) run before podd first starts: to set
// Bin, Env or args.
func StartPoddWith(t *testing.T, configure func(*Podd)) *Podd {
	t.Helper()
	requireHost(t)
	dir, err := os.MkdirTemp("", "podd-host-")
	if err != nil {
		t.Fatal(err)
	}
	d := &Podd{t: t, Dir: dir, Root: filepath.Join(dir, "root"), RunDir: filepath.Join(dir, "run"),
		LogDir: filepath.Join(dir, "log"), Cgroup: filepath.Join(cgroupV2, "podd-test-"+randomHex(6)), Bin: poddBin}
	d.Socket = filepath.Join(d.RunDir, "podd.sock")
	t.Cleanup(d.cleanup)
	if configure != nil {
		configure(d)
	}
	d.startHolder()
	d.Start()
	return d
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// startHolder starts the process that owns podd's network and mount namespaces: a fresh netns
// with only "lo" (up) and a mount namespace with private propagation.
func (d *Podd) startHolder() {
	t := d.t
	t.Helper()
	cmd := exec.Command("unshare", "-n", "-m", "--propagation", "private",
		"sh", "-c", "ip link set lo up && exec sleep infinity")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start namespace holder: %v", err)
	}
	d.holder = cmd
	self, _ := os.Readlink("/proc/self/ns/net")
	eventually(t, 5*time.Second, "namespace holder ready", func() error {
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", cmd.Process.Pid))
		if err != nil {
			return err
		}
		if strings.TrimSpace(string(comm)) != "sleep" {
			return fmt.Errorf("holder is still %q", strings.TrimSpace(string(comm)))
		}
		if ns := nsLink(cmd.Process.Pid, "net"); ns == self || ns == "" {
			return fmt.Errorf("holder is in network namespace %q", ns)
		}
		return nil
	})
}

// HolderPID is a process in podd's network and mount namespaces (alive even while podd is not).
func (d *Podd) HolderPID() int { return d.holder.Process.Pid }

// PID is podd's process id.
func (d *Podd) PID() int { return d.proc.cmd.Process.Pid }

// Start runs podd in the holder's namespaces and waits until its API answers.
func (d *Podd) Start() {
	t := d.t
	t.Helper()
	logFile, err := os.OpenFile(filepath.Join(d.Dir, "podd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	fmt.Fprintf(logFile, "=== podd started by %s at %s\n", t.Name(), time.Now().Format(time.RFC3339Nano))
	// nsenter execs podd itself (no fork without -p), so the command's pid is podd's.
	cmd := exec.Command("nsenter", append([]string{"-t", strconv.Itoa(d.HolderPID()), "-n", "-m", "--",
		d.Bin, "--root", d.Root, "--run-dir", d.RunDir, "--log-dir", d.LogDir, "--cgroup-root", d.Cgroup}, d.args...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), d.Env...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start podd: %v", err)
	}
	p := &poddProc{cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	d.proc = p
	// 60 s: the race detector's podd at load 20 took 10 s to load its eBPF programs (its
	// exit at start is seen at once, below).
	eventually(t, 60*time.Second, "podd answers on "+d.Socket, func() error {
		select {
		case <-p.done:
			t.Fatalf("podd exited at start: %v\n%s", p.err, d.poddLog())
		default:
		}
		if r := d.Ctl("get", "pods"); r.Code != 0 {
			return fmt.Errorf("podctl get pods: exit %d: %s", r.Code, r.Stderr)
		}
		return nil
	})
	if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", d.PID())); exe != d.Bin {
		t.Fatalf("pid %d is %q, not podd", d.PID(), exe)
	}
}

// Running reports whether podd is running.
func (d *Podd) Running() bool {
	if d.proc == nil {
		return false
	}
	select {
	case <-d.proc.done:
		return false
	default:
		return true
	}
}

// WaitExit waits up to timeout for podd to exit by itself (PODD_CRASH_AT) and returns its
// exit error.
func (d *Podd) WaitExit(timeout time.Duration) error {
	d.t.Helper()
	select {
	case <-d.proc.done:
		return d.proc.err
	case <-time.After(timeout):
		d.t.Fatalf("podd %d still running after %v", d.PID(), timeout)
		return nil
	}
}

// Kill ends podd with SIGKILL (a crash) and waits for it.
func (d *Podd) Kill() {
	d.t.Helper()
	_ = d.proc.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-d.proc.done:
	case <-time.After(10 * time.Second):
		d.t.Fatalf("podd %d did not die of SIGKILL", d.PID())
	}
}

// Stop sends SIGTERM (podd exits and leaves the pods running, as podd not PID 1 does) and
// waits up to timeout; it returns podd's exit error, or an error if podd had to be killed.
func (d *Podd) Stop(timeout time.Duration) error {
	if !d.Running() {
		return d.proc.err
	}
	_ = d.proc.cmd.Process.Signal(syscall.SIGTERM)
	return d.wait(timeout, "SIGTERM")
}

// Shutdown is `podctl shutdown` (podd stops every pod, each within its grace period, and
// exits); it waits up to timeout and returns podd's exit error, or an error if podd had to be
// killed.
func (d *Podd) Shutdown(timeout time.Duration) error {
	if !d.Running() {
		return d.proc.err
	}
	if r := d.Ctl("shutdown"); r.Code != 0 {
		return fmt.Errorf("podctl shutdown: %s", r)
	}
	return d.wait(timeout, "podctl shutdown")
}

func (d *Podd) wait(timeout time.Duration, what string) error {
	select {
	case <-d.proc.done:
		return d.proc.err
	case <-time.After(timeout):
		_ = d.proc.cmd.Process.Signal(syscall.SIGKILL)
		<-d.proc.done
		return fmt.Errorf("podd did not stop within %v of %s; killed", timeout, what)
	}
}

// cleanup stops podd and its pods (podctl shutdown), kills whatever is left in its cgroup
// subtree, lets the holder (and with it the namespaces and every mount in them) go, and removes
// the cgroups and directories.
func (d *Podd) cleanup() {
	t := d.t
	if d.proc != nil && d.Running() {
		if err := d.Shutdown(40 * time.Second); err != nil {
			t.Errorf("podd on podctl shutdown: %v", err)
		}
		if !t.Failed() {
			if left := childDirs(filepath.Join(d.Cgroup, "pods")); len(left) > 0 {
				t.Errorf("podd stopped but left pod cgroups: %v", left)
			}
		}
	}
	if err := killCgroupTree(d.Cgroup); err != nil {
		t.Errorf("cleanup: %v", err)
	}
	if d.holder != nil {
		_ = d.holder.Process.Kill()
		_ = d.holder.Wait()
	}
	if err := removeCgroupTree(d.Cgroup); err != nil {
		t.Errorf("cleanup: %v", err)
	}
	if t.Failed() {
		t.Logf("podd log (%s):\n%s", d.Dir, d.poddLog())
	}
	if err := os.RemoveAll(d.Dir); err != nil {
		t.Errorf("cleanup: %v", err)
	}
}

func (d *Podd) poddLog() string {
	b, _ := os.ReadFile(filepath.Join(d.Dir, "podd.log"))
	const max = 16 << 10
	if len(b) > max {
		b = append([]byte("...\n"), b[len(b)-max:]...)
	}
	return string(b)
}

// killCgroupTree kills every process under dir (cgroup.kill) and waits until none is left.
func killCgroupTree(dir string) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0); err != nil {
		return fmt.Errorf("kill cgroup %s: %w", dir, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		pids := cgroupTreePids(dir, "")
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes left in %s after cgroup.kill: %v", dir, pids)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// removeCgroupTree removes dir and its children, deepest first, retrying while busy.
func removeCgroupTree(dir string) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		var dirs []string
		_ = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
			if err == nil && e.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		var last error
		for i := len(dirs) - 1; i >= 0; i-- {
			if err := os.Remove(dirs[i]); err != nil && !errors.Is(err, fs.ErrNotExist) {
				last = err
			}
		}
		if last == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("remove cgroup %s: %w", dir, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cgroupTreePids maps every cgroup under dir (but skip, a path relative to dir) holding
// processes to their pids.
func cgroupTreePids(dir, skip string) map[string][]string {
	out := map[string][]string{}
	_ = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || !e.IsDir() {
			return nil
		}
		if rel, _ := filepath.Rel(dir, p); skip != "" && rel == skip {
			return filepath.SkipDir
		}
		b, err := os.ReadFile(filepath.Join(p, "cgroup.procs"))
		if err == nil && len(bytes.TrimSpace(b)) > 0 {
			out[p] = strings.Fields(string(b))
		}
		return nil
	})
	return out
}

// childDirs lists the directories in dir (none if it does not exist).
func childDirs(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

// dirEntries lists every name in dir (none if it does not exist).
func dirEntries(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// Result is how a podctl run ended.
type Result struct {
	Stdout, Stderr string
	Code           int
}

func (r Result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
}

// Ctl runs podctl against this podd (PODD_SOCKET).
func (d *Podd) Ctl(args ...string) Result { return d.CtlStdin("", args...) }

// CtlStdin runs podctl with stdin.
func (d *Podd) CtlStdin(stdin string, args ...string) Result {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, podctlBin, args...)
	cmd.Env = append(os.Environ(), "PODD_SOCKET="+d.Socket)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.Code = ee.ExitCode()
	case err != nil:
		r.Code = -1
		r.Stderr += "\n(podctl did not run: " + err.Error() + ")"
	}
	return r
}

// MustCtl runs podctl and fails the test unless it exits 0; it returns stdout.
func (d *Podd) MustCtl(args ...string) string {
	d.t.Helper()
	r := d.Ctl(args...)
	if r.Code != 0 {
		d.t.Fatalf("podctl %s: %s", strings.Join(args, " "), r)
	}
	return r.Stdout
}

// Apply applies a manifest given as text and fails the test unless podctl succeeds.
func (d *Podd) Apply(manifest string) {
	d.t.Helper()
	r := d.CtlStdin(manifest, "apply", "-f", "-")
	if r.Code != 0 {
		d.t.Fatalf("podctl apply: %s\nmanifest:\n%s", r, manifest)
	}
}

// GetPod is `podctl get pod NAME -o json`, decoded.
func (d *Podd) GetPod(name string) (*corev1.Pod, error) {
	r := d.Ctl("get", "pod", name, "-o", "json")
	if r.Code != 0 {
		return nil, fmt.Errorf("podctl get pod %s: exit %d: %s", name, r.Code, strings.TrimSpace(r.Stderr))
	}
	var p corev1.Pod
	if err := json.Unmarshal([]byte(r.Stdout), &p); err != nil {
		return nil, fmt.Errorf("decode podctl get pod %s -o json: %w\n%s", name, err, r.Stdout)
	}
	return &p, nil
}

// MustGetPod is GetPod failing the test on error.
func (d *Podd) MustGetPod(name string) *corev1.Pod {
	d.t.Helper()
	p, err := d.GetPod(name)
	if err != nil {
		d.t.Fatal(err)
	}
	return p
}

// WaitPod polls the pod until cond accepts it (cond returns why not) and returns it.
func (d *Podd) WaitPod(name string, timeout time.Duration, what string, cond func(*corev1.Pod) error) *corev1.Pod {
	d.t.Helper()
	var p *corev1.Pod
	eventually(d.t, timeout, "pod "+name+": "+what, func() error {
		var err error
		if p, err = d.GetPod(name); err != nil {
			return err
		}
		return cond(p)
	})
	return p
}

// eventually polls f until it returns nil, failing the test with f's last error after timeout.
func eventually(t testing.TB, timeout time.Duration, what string, f func() error) {
	t.Helper()
	if err := poll(timeout, f); err != nil {
		t.Fatalf("%s: still not the case after %v: %v", what, timeout, err)
	}
}

// poll calls f until it returns nil or timeout has passed, and returns its last error.
func poll(timeout time.Duration, f func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// containerStatus finds a container's status by name.
func containerStatus(p *corev1.Pod, name string) (*corev1.ContainerStatus, error) {
	for i := range p.Status.ContainerStatuses {
		if p.Status.ContainerStatuses[i].Name == name {
			return &p.Status.ContainerStatuses[i], nil
		}
	}
	return nil, fmt.Errorf("pod %s has no status for container %q", p.Name, name)
}

// containerPIDs reads the pid of every container from its containerID,
// "podd://<uid>/<container>/<pid>"; a container that never started (no containerID) has none.
func containerPIDs(t testing.TB, p *corev1.Pod) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, cs := range p.Status.ContainerStatuses {
		if cs.ContainerID == "" && cs.State.Waiting != nil {
			continue
		}
		rest, ok := strings.CutPrefix(cs.ContainerID, "podd://"+string(p.UID)+"/"+cs.Name+"/")
		pid, err := strconv.Atoi(rest)
		if !ok || err != nil || pid <= 0 {
			t.Fatalf("container %s: containerID %q is not podd://%s/%s/<pid>", cs.Name, cs.ContainerID, p.UID, cs.Name)
		}
		out[cs.Name] = pid
	}
	return out
}

// nsLink is /proc/PID/ns/NS ("net:[4026532...]"), "" if unreadable.
func nsLink(pid int, ns string) string {
	l, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, ns))
	return l
}

// alive reports whether pid is a live (not zombie) process.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || len(s) < i+3 || s[i+2] != 'Z'
}

// inNetNS runs fn on a locked OS thread that joined the network namespace of pid. The thread
// is never unlocked, so the Go runtime throws it away afterwards; the main thread is never used
// (the runtime would keep it, in the other namespace).
func inNetNS(pid int, fn func() error) error {
	ns, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", pid))
	if err != nil {
		return err
	}
	defer ns.Close()
	errc := make(chan error, 1)
	work := func() {
		runtime.LockOSThread() // never unlocked
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("join network namespace of %d: %w", pid, err)
			return
		}
		errc <- fn()
	}
	go func() {
		runtime.LockOSThread()
		if unix.Gettid() != unix.Getpid() {
			work()
			return
		}
		// On the main thread: hold it while another goroutine, on another thread, does the work.
		done := make(chan struct{})
		go func() { work(); close(done) }()
		<-done
		runtime.UnlockOSThread()
	}()
	return <-errc
}

// httpGet fetches url from inside the network namespace of pid (podd's): only that namespace
// is dialed into, never the host's network.
func httpGet(pid int, url string) (string, error) {
	tr := &http.Transport{ // no Proxy: never leave the namespace
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			var c net.Conn
			err := inNetNS(pid, func() error {
				var err error
				c, err = (&net.Dialer{Timeout: 2 * time.Second}).DialContext(ctx, network, addr)
				return err
			})
			return c, err
		},
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return string(body), fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(body), nil
}

// links lists the network interfaces in the network namespace of pid as name -> type.
func links(pid int) (map[string]string, error) {
	out := map[string]string{}
	err := inNetNS(pid, func() error {
		ls, err := netlink.LinkList()
		if err != nil {
			return err
		}
		for _, l := range ls {
			out[l.Attrs().Name] = l.Type()
		}
		return nil
	})
	return out, err
}

// mountsMatching lists the lines of /proc/PID/mountinfo containing s.
func mountsMatching(pid string, s string) []string {
	f, err := os.Open("/proc/" + pid + "/mountinfo")
	if err != nil {
		return []string{"cannot read /proc/" + pid + "/mountinfo: " + err.Error()}
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.Contains(sc.Text(), s) {
			out = append(out, sc.Text())
		}
	}
	return out
}

// mountPoints lists the mount points (field 5 of mountinfo) of pid's mount namespace.
func mountPoints(pid string) []string {
	b, _ := os.ReadFile("/proc/" + pid + "/mountinfo")
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 4 {
			out = append(out, f[4])
		}
	}
	return out
}

// inPoddMountNS is path as seen from podd's mount namespace.
func (d *Podd) inPoddMountNS(path string) string {
	return fmt.Sprintf("/proc/%d/root%s", d.HolderPID(), path)
}

// inPinsNS runs fn on a throwaway thread that joined podd's pins namespace, the mount namespace
// where the pods' namespaces are pinned (pinned itself at RUN/ns/.mnt in podd's).
func (d *Podd) inPinsNS(fn func() error) error {
	ns, err := os.Open(d.inPoddMountNS(filepath.Join(d.RunDir, "ns", ".mnt")))
	if err != nil {
		return fmt.Errorf("podd's pins namespace: %w", err)
	}
	defer ns.Close()
	return nsthread.Run(func() error {
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			return err
		}
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNS); err != nil {
			return fmt.Errorf("join podd's pins namespace: %w", err)
		}
		return fn()
	})
}

// pinMountsMatching lists the lines of the pins namespace's mountinfo containing s.
func (d *Podd) pinMountsMatching(s string) []string {
	var data []byte
	err := d.inPinsNS(func() error {
		var err error
		data, err = os.ReadFile("/proc/thread-self/mountinfo")
		return err
	})
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	return out
}

// AssertPodGone checks that a deleted pod left nothing: no process, cgroup, mount, state, pinned
// namespace, IPAM address, veth or log. p is the pod as it was before the delete.
func (d *Podd) AssertPodGone(p *corev1.Pod) {
	t := d.t
	t.Helper()
	uid := string(p.UID)
	if uid == "" {
		t.Fatal("AssertPodGone: pod without uid")
	}
	if r := d.Ctl("get", "pod", p.Name); r.Code == 0 || !strings.Contains(r.Stderr, "NotFound") {
		t.Errorf("podctl get pod %s after delete: want NotFound, got %s", p.Name, r)
	}
	for ctr, pid := range containerPIDs(t, p) {
		if alive(pid) {
			cg, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
			if strings.Contains(string(cg), uid) { // not a recycled pid
				t.Errorf("container %s: process %d still running", ctr, pid)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(d.Cgroup, "pods", uid)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("cgroup %s/pods/%s still there (%v)", d.Cgroup, uid, err)
	}
	for _, pid := range []string{strconv.Itoa(d.HolderPID()), "self"} {
		if m := mountsMatching(pid, uid); len(m) > 0 {
			t.Errorf("mounts of the pod left in /proc/%s/mountinfo:\n%s", pid, strings.Join(m, "\n"))
		}
	}
	if m := d.pinMountsMatching(uid); len(m) > 0 {
		t.Errorf("mounts of the pod left in podd's pins namespace:\n%s", strings.Join(m, "\n"))
	}
	for _, path := range []string{
		filepath.Join(d.Root, "pods", uid),
		filepath.Join(d.RunDir, "ns", uid),
		d.inPoddMountNS(filepath.Join(d.RunDir, "ns", uid)),
		filepath.Join(d.LogDir, p.Namespace+"_"+p.Name+"_"+uid),
	} {
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s still there after delete (%v)", path, err)
		}
	}
	if p.Status.PodIP != "" {
		if _, err := os.Stat(filepath.Join(d.Root, "ipam", p.Status.PodIP)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("IPAM file %s still there (%v)", p.Status.PodIP, err)
		}
	}
	for _, name := range dirEntries(filepath.Join(d.Root, "ipam")) {
		if b, _ := os.ReadFile(filepath.Join(d.Root, "ipam", name)); strings.Contains(string(b), uid) {
			t.Errorf("IPAM file %s still holds the pod's uid", name)
		}
	}
	veth := "vp" + uid[:8]
	eventually(t, 2*time.Second, "veth "+veth+" gone from podd's network namespace", func() error {
		ls, err := links(d.HolderPID())
		if err != nil {
			return err
		}
		if _, ok := ls[veth]; ok {
			return fmt.Errorf("links: %v", ls)
		}
		return nil
	})
}

// isPinsNSPin reports whether name is the pins namespace's own pin under RUN/ns (made at podd's
// start, not a pod's).
func isPinsNSPin(name string) bool { return name == ".mnt" }

// AssertNoPods checks that podd has no pod and no trace of one: the state a failed apply must
// leave.
func (d *Podd) AssertNoPods() {
	t := d.t
	t.Helper()
	r := d.Ctl("get", "pods")
	if r.Code != 0 || strings.TrimSpace(r.Stdout) != "" || !strings.Contains(r.Stderr, "No resources found") {
		t.Errorf("podctl get pods: want no pods, got %s", r)
	}
	if left := childDirs(filepath.Join(d.Cgroup, "pods")); len(left) > 0 {
		t.Errorf("pod cgroups left under %s/pods: %v", d.Cgroup, left)
	}
	for _, dir := range []string{
		filepath.Join(d.Root, "pods"), filepath.Join(d.Root, "ipam"), d.LogDir,
		filepath.Join(d.RunDir, "ns"), d.inPoddMountNS(filepath.Join(d.RunDir, "ns")),
	} {
		if left := slices.DeleteFunc(dirEntries(dir), isPinsNSPin); len(left) > 0 {
			t.Errorf("%s not empty: %v", dir, left)
		}
	}
	procs := cgroupTreePids(d.Cgroup, "supervisor")
	if len(procs) > 0 {
		t.Errorf("processes left in podd's cgroup subtree: %v", procs)
	}
	if b, _ := os.ReadFile(filepath.Join(d.Cgroup, "supervisor", "cgroup.procs")); d.Running() &&
		strings.Join(strings.Fields(string(b)), " ") != strconv.Itoa(d.PID()) {
		t.Errorf("supervisor cgroup holds %q, want only podd (%d)", strings.Fields(string(b)), d.PID())
	}
	for _, pid := range []string{strconv.Itoa(d.HolderPID()), "self"} {
		for _, mp := range mountPoints(pid) {
			if mp == filepath.Join(d.RunDir, "ns", ".mnt") {
				continue // the pins namespace's own pin
			}
			if strings.HasPrefix(mp, filepath.Join(d.Root, "pods")+"/") || strings.HasPrefix(mp, filepath.Join(d.RunDir, "ns")+"/") {
				t.Errorf("mount left in /proc/%s/mountinfo: %s", pid, mp)
			}
		}
	}
	if m := d.pinMountsMatching(filepath.Join(d.RunDir, "ns") + "/"); len(m) > 0 {
		t.Errorf("pins left in podd's pins namespace:\n%s", strings.Join(m, "\n"))
	}
	d.assertNoNATTable() // nat_test.go
	eventually(t, 2*time.Second, "no veth in podd's network namespace", func() error {
		ls, err := links(d.HolderPID())
		if err != nil {
			return err
		}
		for name, typ := range ls {
			if typ == "veth" {
				return fmt.Errorf("veth %s left (links: %v)", name, ls)
			}
		}
		return nil
	})
}

// stream is a podctl that keeps running (logs -f), its output collected as it comes.
type stream struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
	err  error
}

func (s *stream) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.Write(b)
}

// Output is what podctl printed so far.
func (s *stream) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// CtlStream starts podctl in the background; it is killed at the end of the test.
func (d *Podd) CtlStream(args ...string) *stream {
	d.t.Helper()
	s := &stream{done: make(chan struct{})}
	s.cmd = exec.Command(podctlBin, args...)
	s.cmd.Env = append(os.Environ(), "PODD_SOCKET="+d.Socket)
	s.cmd.Stdout, s.cmd.Stderr = s, s
	if err := s.cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.done) }()
	d.t.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		<-s.done
	})
	return s
}

// WaitFor polls until the output contains want.
func (s *stream) WaitFor(t testing.TB, want string, timeout time.Duration) {
	t.Helper()
	eventually(t, timeout, fmt.Sprintf("podctl %s prints %q", strings.Join(s.cmd.Args[1:], " "), want), func() error {
		if out := s.Output(); !strings.Contains(out, want) {
			return fmt.Errorf("output so far: %q", out)
		}
		return nil
	})
}

// Wait waits up to timeout for podctl to exit by itself and returns its error.
func (s *stream) Wait(t testing.TB, timeout time.Duration) error {
	t.Helper()
	select {
	case <-s.done:
		return s.err
	case <-time.After(timeout):
		t.Fatalf("podctl %s still running after %v; output: %q", strings.Join(s.cmd.Args[1:], " "), timeout, s.Output())
		return nil
	}
}

// statIno is a file's inode number.
func statIno(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}

// statusField is the value of a "Field:" line of a /proc/PID/status text ("" if absent).
func statusField(status, field string) string {
	for _, line := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// procStatusKiB reads a "VmRSS:   1234 kB" style field of /proc/PID/status, in KiB.
func procStatusKiB(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	v := statusField(string(b), field)
	kb, err := strconv.ParseInt(strings.TrimSuffix(v, " kB"), 10, 64)
	if err != nil {
		t.Fatalf("%s of %d: %q", field, pid, v)
	}
	return kb
}

// podRunning is a WaitPod check: the pod is Running.
func podRunning(p *corev1.Pod) error {
	if p.Status.Phase != corev1.PodRunning {
		return fmt.Errorf("phase %s", p.Status.Phase)
	}
	return nil
}
