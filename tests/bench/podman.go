package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// podmanImage is the name the test image gets in podman's private store.
const podmanImage = "localhost/podd-test:bench"

// podmanConf is podman's configuration for the run: runc (crun refuses hybrid cgroups, and
// runc is what podd is compared with in the README) and the ulimits podd's containers get.
const podmanConf = `[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
runtime = "runc"
`

// podman drives `podman` (kube play, pod rm, exec) with a private store, run dir and config
// under the bench dir, in a network namespace of its own (pinned by a bind mount), so that the
// web pod's published port 8080 and podman's bridge touch nothing on the host.
type podman struct {
	bin, dir string
}

func newPodman(benchDir, image string) (*podman, error) {
	bin, err := exec.LookPath("podman")
	if err != nil {
		return nil, fmt.Errorf("podman is not installed (make bench-peers installs it): %w", err)
	}
	p := &podman{bin: bin, dir: filepath.Join(benchDir, "podman")}
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(p.dir, "containers.conf"), []byte(podmanConf), 0o644); err != nil {
		return nil, err
	}
	if err := p.pinNetns(); err != nil {
		return nil, err
	}
	// The same image podd runs: its OCI layout pulled into podman's private store.
	id, err := p.run("pull", "-q", image)
	if err != nil {
		return nil, err
	}
	if _, err := p.run("tag", strings.TrimSpace(id), podmanImage); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *podman) netns() string { return filepath.Join(p.dir, "netns") }

// pinNetns makes the network namespace podman runs in, with lo up.
func (p *podman) pinNetns() error {
	if err := os.WriteFile(p.netns(), nil, 0o600); err != nil {
		return err
	}
	out, err := exec.Command("unshare", "--net="+p.netns(), "ip", "link", "set", "lo", "up").CombinedOutput()
	if err != nil {
		return fmt.Errorf("podman's network namespace: %v: %s", err, out)
	}
	return nil
}

// command is `podman ARGS` in podman's network namespace with the private store and config.
func (p *podman) command(args ...string) *exec.Cmd {
	full := append([]string{"--net=" + p.netns(), p.bin, "--root", filepath.Join(p.dir, "root"),
		"--runroot", filepath.Join(p.dir, "run"), "--tmpdir", filepath.Join(p.dir, "tmp")}, args...)
	cmd := exec.Command("nsenter", full...)
	cmd.Env = append(os.Environ(), "CONTAINERS_CONF="+filepath.Join(p.dir, "containers.conf"))
	return cmd
}

func (p *podman) run(args ...string) (string, error) {
	var out, errOut bytes.Buffer
	cmd := p.command(args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("podman %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errOut.String()))
	}
	return out.String(), nil
}

// running checks that the pod's containers (infra excluded) are all running.
func (p *podman) running(pod string, containers int) error {
	out, err := p.run("ps", "--filter", "pod="+pod, "--format", "{{.IsInfra}} {{.State}}")
	if err != nil {
		return err
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(line, "false ") && strings.Contains(line, "Up") {
			n++
		}
	}
	if n != containers {
		return fmt.Errorf("podman pod %s: %d of %d containers up: %q", pod, n, containers, out)
	}
	return nil
}

// helpers are podman's processes that are not containers: one conmon per container (the
// infra one included) and the infra (pause) container of each pod. It returns their count,
// how many of them are conmons, and their summed VmRSS (kB).
func (p *podman) helpers() (n, conmons int, rssKB int64, err error) {
	out, err := p.run("ps", "--format", "{{.IsInfra}} {{.Pid}}")
	if err != nil {
		return 0, 0, 0, err
	}
	var pids []int
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if infra, pid, ok := strings.Cut(line, " "); ok && infra == "true" {
			if v, err := strconv.Atoi(pid); err == nil {
				pids = append(pids, v)
			}
		}
	}
	cm, err := p.conmons()
	if err != nil {
		return 0, 0, 0, err
	}
	pids = append(pids, cm...)
	for _, pid := range pids {
		rss, _, err := procStatus(pid)
		if err != nil {
			return 0, 0, 0, err
		}
		rssKB += rss
	}
	return len(pids), len(cm), rssKB, nil
}

// conmons lists the conmon processes of this run's podman (their command line names its root).
func (p *podman) conmons() ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var pids []int
	root := []byte(filepath.Join(p.dir, "root"))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, _ := os.ReadFile("/proc/" + e.Name() + "/comm")
		if string(bytes.TrimSpace(comm)) != "conmon" {
			continue
		}
		if cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline"); bytes.Contains(cmdline, root) {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// cleanup removes every pod, unmounts what podman left mounted under its dir and the netns pin.
func (p *podman) cleanup() error {
	_, err := p.run("pod", "rm", "-a", "-f", "-t", "0")
	_, _ = p.run("rm", "-a", "-f", "-t", "0")
	for range 3 {
		mounts, merr := mountsUnder(p.dir)
		if merr != nil || len(mounts) == 0 {
			break
		}
		slices.Reverse(mounts)
		for _, m := range mounts {
			_ = syscall.Unmount(m, syscall.MNT_DETACH)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return err
}

// mountsUnder lists the mount points at or under dir in this mount namespace.
func mountsUnder(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fs := strings.Fields(sc.Text()); len(fs) > 4 && (fs[4] == dir || strings.HasPrefix(fs[4], dir+"/")) {
			out = append(out, fs[4])
		}
	}
	return out, sc.Err()
}
