package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/podd/podd/api/client"
)

// cgroupV2 is where hybrid hosts mount the unified hierarchy.
const cgroupV2 = "/sys/fs/cgroup/unified"

// env is one benchmark run's private world: a temp dir (root, run, log) and a cgroup subtree,
// shared by every podd the run starts (so the image store stays unpacked between them).
type env struct {
	dir    string // temp dir T
	cgroup string // <cgroupV2>/podd-bench-<rand>
	podd   string // absolute path of the podd binary
	// profileDir (-profile): podd serves its Go profiles on debugSocket and the density
	// scenario saves them there; exactHeap (density runs) sets memprofilerate=1 to make the
	// heap profile exact, which costs a fifth of podd's CPU: the churns' CPU profiles go without.
	profileDir string
	exactHeap  bool
}

func newEnv(podd string) (*env, error) {
	if _, err := os.Stat(filepath.Join(cgroupV2, "cgroup.procs")); err != nil {
		return nil, fmt.Errorf("no cgroup v2 hierarchy at %s: %w", cgroupV2, err)
	}
	dir, err := os.MkdirTemp("", "podd-bench-")
	if err != nil {
		return nil, err
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return &env{dir: dir, cgroup: filepath.Join(cgroupV2, "podd-bench-"+hex.EncodeToString(b[:])), podd: podd}, nil
}

func (e *env) socket() string { return filepath.Join(e.dir, "run", "podd.sock") }
func (e *env) logDir() string { return filepath.Join(e.dir, "log") }

// daemon is one running podd, in its own network and mount namespaces.
type daemon struct {
	cmd   *exec.Cmd
	pid   int
	start time.Duration // from exec of podd to /healthz answering
	done  chan error
}

// startPodd starts podd inside `unshare -n -m --propagation private`. The wrapper shell brings
// lo up, says "ready" and waits for a line on stdin before exec'ing podd, so the measured start
// time is podd's alone (execve to /healthz), not unshare's or ip's.
func (e *env) startPodd() (*daemon, error) {
	const script = `ip link set lo up || exit 1; echo ready; read -r _; exec "$@" >>"$LOG" 2>&1 </dev/null`
	cmd := exec.Command("unshare", "-n", "-m", "--propagation", "private", "sh", "-c", script, "podd",
		e.podd, "--root", filepath.Join(e.dir, "root"), "--run-dir", filepath.Join(e.dir, "run"),
		"--log-dir", e.logDir(), "--cgroup-root", e.cgroup, "--stop-pods-on-exit")
	cmd.Env = append(os.Environ(), "LOG="+filepath.Join(e.dir, "podd.log"))
	if e.profileDir != "" {
		cmd.Args = append(cmd.Args, "--debug-address", e.debugSocket())
		if e.exactHeap {
			cmd.Env = append(cmd.Env, "GODEBUG=memprofilerate=1")
		}
	}
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start podd: %w", err)
	}
	d := &daemon{cmd: cmd, pid: cmd.Process.Pid, done: make(chan error, 1)}
	go func() { d.done <- cmd.Wait() }()
	fail := func(err error) (*daemon, error) {
		_ = cmd.Process.Kill()
		<-d.done
		return nil, fmt.Errorf("start podd: %w (log: %s)", err, e.tail())
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		return fail(fmt.Errorf("wrapper said %q: %v", line, err))
	}
	client := client.New(e.socket())
	t0 := time.Now()
	if _, err := io.WriteString(stdin, "go\n"); err != nil {
		return fail(err)
	}
	stdin.Close()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := client.Health(ctx)
		cancel()
		if err == nil {
			break
		}
		if time.Since(t0) > 10*time.Second {
			return fail(fmt.Errorf("no /healthz answer after 10s: %v", err))
		}
		select {
		case err := <-d.done:
			d.done <- err
			return fail(fmt.Errorf("podd exited: %v", err))
		case <-time.After(200 * time.Microsecond):
		}
	}
	d.start = time.Since(t0)
	return d, nil
}

// stop sends SIGTERM (podd, started with --stop-pods-on-exit, stops every pod and exits) and waits; after timeout, SIGKILL.
func (d *daemon) stop(timeout time.Duration) (time.Duration, error) {
	t0 := time.Now()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return 0, err
	}
	select {
	case <-d.done:
		return time.Since(t0), nil
	case <-time.After(timeout):
		_ = d.cmd.Process.Kill()
		<-d.done
		return time.Since(t0), fmt.Errorf("podd did not exit within %v of SIGTERM: killed", timeout)
	}
}

// containersStartAs is what podd logged about the program containers start as.
func (e *env) containersStartAs() string {
	data, _ := os.ReadFile(filepath.Join(e.dir, "podd.log"))
	for _, line := range strings.Split(string(data), "\n") {
		if _, after, ok := strings.Cut(line, "containers start as "); ok {
			return "containers start as " + after
		}
	}
	return "podd did not log what containers start as"
}

// tail is the end of podd's log, for error messages.
func (e *env) tail() string {
	data, _ := os.ReadFile(filepath.Join(e.dir, "podd.log"))
	s := strings.TrimSpace(string(data))
	if len(s) > 2000 {
		s = "..." + s[len(s)-2000:]
	}
	return s
}

// cleanup removes the cgroup subtree (killing whatever is left in it) and the temp dir. The
// mounts podd made lived in its private mount namespace, which died with it.
func (e *env) cleanup() error {
	var errs []error
	var dirs []string
	_ = filepath.WalkDir(e.cgroup, func(p string, de os.DirEntry, err error) error {
		if err == nil && de.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	if len(dirs) > 0 {
		_ = os.WriteFile(filepath.Join(e.cgroup, "cgroup.kill"), []byte("1"), 0)
	}
	slices.Reverse(dirs) // children first
	for _, d := range dirs {
		var err error
		for i := 0; i < 100; i++ { // killed processes take a moment to leave
			if err = os.Remove(d); err == nil || errors.Is(err, os.ErrNotExist) {
				err = nil
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := os.RemoveAll(e.dir); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// cgroupCPU is the CPU time used so far by podd's cgroup subtree (podd and every container
// process, setup included): usage_usec of its cpu.stat, there even without the cpu controller.
func (e *env) cgroupCPU() (time.Duration, error) {
	data, err := os.ReadFile(filepath.Join(e.cgroup, "cpu.stat"))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "usage_usec "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			return time.Duration(n) * time.Microsecond, err
		}
	}
	return 0, fmt.Errorf("%s/cpu.stat: no usage_usec", e.cgroup)
}
