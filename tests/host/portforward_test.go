package host

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// forwardPod serves two ports: 9000 on every address (nc runs sha256sum on each connection:
// it answers once the client half-closed) and 8081 on the pod's 127.0.0.1 only (httpd, with a
// 100 MB file of random bytes). Neither has a hostPort.
const forwardPod = `apiVersion: v1
kind: Pod
metadata: {name: fwd}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: app
    image: ` + testImage + `
    command: [/bin/sh, -c, "mkdir /www && head -c 100000000 /dev/urandom >/www/big && head -c 1048576 /www/big >/www/small && httpd -p 127.0.0.1:8081 -h /www && touch /www/ready && exec nc -ll -p 9000 -e /bin/sha256sum"]
`

var forwardingFrom = regexp.MustCompile(`Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)`)

// localPorts waits for port-forward's "Forwarding from" lines and returns remote -> local.
func localPorts(t *testing.T, s *stream, n int) map[string]string {
	t.Helper()
	out := map[string]string{}
	eventually(t, 10*time.Second, "port-forward listens", func() error {
		for _, m := range forwardingFrom.FindAllStringSubmatch(s.Output(), -1) {
			out[m[2]] = m[1]
		}
		if len(out) < n {
			return fmt.Errorf("output so far: %q", s.Output())
		}
		return nil
	})
	return out
}

// getSum GETs path through local port and checks its size and sha256.
func getSum(local, path, want string, size int64) error {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 120 * time.Second}
	resp, err := c.Get("http://127.0.0.1:" + local + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	if err != nil || n != size || fmt.Sprintf("%x", h.Sum(nil)) != want {
		return fmt.Errorf("GET %s: %d bytes, sha256 %x, %v; want %d bytes, %s", path, n, h.Sum(nil), err, size, want)
	}
	return nil
}

// sumThrough sends data to local, half-closes and returns the answer.
func sumThrough(local string, data []byte) (string, error) {
	c, err := net.Dial("tcp", "127.0.0.1:"+local)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	if _, err := c.Write(data); err != nil {
		return "", err
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return "", err
	}
	out, err := io.ReadAll(c)
	return strings.TrimSuffix(string(out), "  -\n"), err
}

func TestPortForward(t *testing.T) {
	d := StartPodd(t)
	d.Apply(forwardPod)
	eventually(t, 60*time.Second, "the pod's servers are up", func() error {
		if r := d.Ctl("exec", "fwd", "--", "test", "-f", "/www/ready"); r.Code != 0 {
			return fmt.Errorf("%s", r)
		}
		return nil
	})
	pf := d.CtlStream("port-forward", "pod/fwd", ":9000", ":8081", "7:7")
	ports := localPorts(t, pf, 3)

	t.Run("half-close", func(t *testing.T) {
		for i := range 5 {
			data := []byte(strings.Repeat(fmt.Sprint(i), 100000+i))
			got, err := sumThrough(ports["9000"], data)
			if want := fmt.Sprintf("%x", sha256.Sum256(data)); err != nil || got != want {
				t.Fatalf("connection %d: answer %q, %v; want %s", i, got, err, want)
			}
		}
	})

	// The parallel connections go to httpd: busybox nc -ll -e loses overlapping connections (of
	// 50 at once, ~25 got no answer through port-forward, 4 when dialled straight from podd's
	// namespace; one at a time, none), while httpd and the unit tests' server answer them all.
	t.Run("50 parallel connections", func(t *testing.T) {
		want := strings.Fields(d.MustCtl("exec", "fwd", "--", "sha256sum", "/www/small"))[0]
		var wg sync.WaitGroup
		errs := make(chan error, 50)
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- getSum(ports["8081"], "/small", want, 1<<20)
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	})

	t.Run("100 MB from a server on the pod's 127.0.0.1", func(t *testing.T) {
		want := strings.Fields(d.MustCtl("exec", "fwd", "--", "sha256sum", "/www/big"))[0]
		if err := getSum(ports["8081"], "/big", want, 100_000_000); err != nil {
			t.Fatal(err)
		}
	})

	// podctl holds the pod's socket itself (podd handed it over), so a connection outlives podd.
	t.Run("a connection outlives a podd restart", func(t *testing.T) {
		c, err := net.Dial("tcp", "127.0.0.1:"+ports["9000"])
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(60 * time.Second))
		if _, err := c.Write([]byte("before ")); err != nil {
			t.Fatal(err)
		}
		podPID := containerPIDs(t, d.MustGetPod("fwd"))["app"]
		eventually(t, 10*time.Second, "podctl holds a socket of the pod's network namespace", func() error {
			return holdsSocketOf(pf.cmd.Process.Pid, podPID)
		})
		d.Kill()
		d.Start()
		if _, err := c.Write([]byte("after")); err != nil {
			t.Fatal(err)
		}
		c.(*net.TCPConn).CloseWrite()
		out, err := io.ReadAll(c)
		if want := fmt.Sprintf("%x  -\n", sha256.Sum256([]byte("before after"))); err != nil || string(out) != want {
			t.Errorf("answer across the restart %q, %v; want %q", out, err, want)
		}
	})

	t.Run("a refused port is told and the other forwards go on", func(t *testing.T) {
		c, err := net.Dial("tcp", "127.0.0.1:"+ports["7"])
		if err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil {
			t.Errorf("read from a refused forward: %d, %v", n, err)
		}
		c.Close()
		pf.WaitFor(t, "Handling connection for "+ports["7"], 5*time.Second)
		pod := d.MustGetPod("fwd")
		pf.WaitFor(t, fmt.Sprintf("an error occurred forwarding %s -> 7: error forwarding port 7 to pod %s, uid : ", ports["7"], pod.UID), 5*time.Second)
		pf.WaitFor(t, "connect: connection refused", time.Second)
		if got, err := sumThrough(ports["9000"], []byte("x")); err != nil || got != fmt.Sprintf("%x", sha256.Sum256([]byte("x"))) {
			t.Errorf("after a refused port: %q, %v", got, err)
		}
	})
}

func TestPortForwardPodNotRunning(t *testing.T) {
	d := StartPodd(t)
	r := d.Ctl("port-forward", "nope", "8080")
	if r.Code != 1 || r.Stderr != "Error from server (NotFound): pods \"nope\" not found\n" {
		t.Errorf("missing pod: %s", r)
	}
}

// holdsSocketOf reports whether process pid has a TCP socket of the network namespace of
// process nsPID open (its inode in that namespace's /proc/net/tcp).
func holdsSocketOf(pid, nsPID int) error {
	table, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/tcp", nsPID))
	if err != nil {
		return err
	}
	inodes := map[string]bool{}
	for _, line := range strings.Split(string(table), "\n")[1:] {
		if f := strings.Fields(line); len(f) > 9 {
			inodes["socket:["+f[9]+"]"] = true
		}
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return err
	}
	for _, fd := range fds {
		if target, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); inodes[target] {
			return nil
		}
	}
	return fmt.Errorf("none of podctl's %d descriptors is a TCP socket of the pod", len(fds))
}
