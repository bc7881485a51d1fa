package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The port-forward scenario: a pod running `testapp sink 9000`, and 64 MiB sent to it, half
// closed and answered, alternately over the two ways a user has from the node: straight to
// the pod's IP (through the bridge and the pod's veth: the direct TCP copy) and through
// `podctl port-forward pod/sink :9000` (a local listener; podd dials 9000 inside the pod's
// network namespace and hands the socket to podctl, which splices). The target: the
// forward at >= 50% of the direct copy's MB/s, in the same run.

const (
	forwardRounds = 8
	forwardBytes  = 64 << 20
)

const sinkPod = `apiVersion: v1
kind: Pod
metadata:
  name: sink
spec:
  containers:
  - name: sink
    image: %s
    command: ["/bin/testapp", "sink", "9000"]
`

var forwardingFrom = regexp.MustCompile(`Forwarding from 127\.0\.0\.1:(\d+) -> 9000`)

func (b *bench) forwardScenario() error {
	path, err := b.writeManifest("sink", fmt.Sprintf(sinkPod, b.image))
	if err != nil {
		return err
	}
	if _, err := b.apply(path); err != nil {
		return err
	}
	defer b.del("sink")
	p, err := b.running("sink", 1)
	if err != nil {
		return err
	}
	pf, local, err := b.portForward("pod/sink", ":9000")
	if err != nil {
		return err
	}
	defer func() { pf.Process.Kill(); pf.Wait() }()
	direct := b.inPoddNetns(p.Status.PodIP + ":9000")
	load := loadavg()
	var d, f []float64
	for i := range forwardRounds {
		ways := []func() (float64, error){func() (float64, error) { return sendTo(direct) }, func() (float64, error) { return sendTo(dialer(local)) }}
		rates := make([]float64, 2)
		for k := range 2 { // alternate which goes first
			j := (i + k) % 2
			if rates[j], err = ways[j](); err != nil {
				return fmt.Errorf("port-forward round %d: %w", i, err)
			}
		}
		d, f = append(d, rates[0]), append(f, rates[1])
	}
	dr, fr := row{"tcp-to-pod-ip-direct", "MB/s", d}, row{"tcp-through-port-forward", "MB/s", f}
	b.add(dr)
	b.add(fr)
	dm, fm := dr.stats().median, fr.stats().median
	b.verdict("port-forward", fm >= dm/2, "%.0f MB/s through podctl port-forward, %.0f MB/s straight to the pod IP: %.2f of direct, target >= 0.5 "+
		"(medians of %d transfers of %d MiB each way, alternated; load %s before, %s after)", fm, dm, fm/dm, forwardRounds, forwardBytes>>20, load, loadavg())
	return nil
}

// writeManifest writes a manifest under the run's manifests directory.
func (b *bench) writeManifest(name, text string) (string, error) {
	path := b.env.dir + "/manifests/" + name + ".yaml"
	if err := os.MkdirAll(b.env.dir+"/manifests", 0o755); err != nil {
		return "", err
	}
	return path, os.WriteFile(path, []byte(text), 0o644)
}

// portForward starts `podctl port-forward` and returns it and the local address its
// "Forwarding from" line names.
func (b *bench) portForward(args ...string) (*exec.Cmd, string, error) {
	cmd := exec.Command(b.podctl, append([]string{"--socket", b.env.socket(), "port-forward"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := forwardingFrom.FindStringSubmatch(sc.Text()); m != nil {
				lines <- "127.0.0.1:" + m[1]
			}
		}
		close(lines)
	}()
	select {
	case addr, ok := <-lines:
		if ok {
			return cmd, addr, nil
		}
	case <-time.After(10 * time.Second):
	}
	cmd.Process.Kill()
	cmd.Wait()
	return nil, "", fmt.Errorf("podctl port-forward %s: no Forwarding line", strings.Join(args, " "))
}

// dialer dials addr from the harness's own network namespace.
func dialer(addr string) func() (net.Conn, error) {
	return func() (net.Conn, error) { return net.Dial("tcp", addr) }
}

// inPoddNetns dials addr from podd's network namespace (the harness runs podd in one of its
// own, where the pods' bridge is): the socket is made on a thread that entered it.
func (b *bench) inPoddNetns(addr string) func() (net.Conn, error) {
	ns := "/proc/" + strconv.Itoa(b.podd.pid) + "/ns/net"
	return func() (net.Conn, error) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread() // only once back in the harness's namespace
		self, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			return nil, err
		}
		defer self.Close()
		target, err := os.Open(ns)
		if err != nil {
			return nil, err
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			return nil, fmt.Errorf("setns %s: %w", ns, err)
		}
		c, err := net.Dial("tcp", addr)
		if rerr := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); rerr != nil {
			panic(fmt.Sprintf("setns back: %v", rerr)) // the thread must not serve others from podd's namespace
		}
		return c, err
	}
}

// sendTo sends forwardBytes on a new connection, half-closes, checks the sink's count and
// returns the rate in MB/s (connect to answer).
func sendTo(dial func() (net.Conn, error)) (float64, error) {
	buf := make([]byte, 256<<10)
	t0 := time.Now()
	c, err := dial()
	if err != nil {
		return 0, err
	}
	defer c.Close()
	for sent := 0; sent < forwardBytes; sent += len(buf) {
		if _, err := c.Write(buf); err != nil {
			return 0, err
		}
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return 0, err
	}
	answer, err := io.ReadAll(c)
	if err != nil {
		return 0, err
	}
	if want := fmt.Sprintf("ok %d\n", forwardBytes); string(answer) != want {
		return 0, fmt.Errorf("the sink answered %q, want %q", answer, want)
	}
	return float64(forwardBytes) / 1e6 / time.Since(t0).Seconds(), nil
}
