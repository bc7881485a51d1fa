package main

import (
	"bufio"
	"debug/elf"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// build compiles testapp the way tests/images/build.sh does (static, CGO_ENABLED=0).
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "testapp")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestTestapp(t *testing.T) {
	bin := build(t)
	t.Run("static", func(t *testing.T) { testStatic(t, bin) })
	t.Run("ns", func(t *testing.T) { testNS(t, bin) })
	t.Run("simple", func(t *testing.T) { testSimple(t, bin) })
	t.Run("serve", func(t *testing.T) { testServe(t, bin) })
	t.Run("signals", func(t *testing.T) { testSignals(t, bin) })
	t.Run("memhog", func(t *testing.T) { testMemhog(t, bin) })
	t.Run("forkbomb", func(t *testing.T) { testForkbomb(t, bin) })
	t.Run("lines", func(t *testing.T) { testLines(t, bin) })
}

func testStatic(t *testing.T, bin string) {
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("testapp has an ELF interpreter: not static")
		}
	}
}

func output(t *testing.T, bin string, args ...string) (string, int) {
	t.Helper()
	out, err := exec.Command(bin, args...).Output()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	}
	if err != nil {
		t.Fatalf("testapp %q: %v", args, err)
	}
	return string(out), 0
}

var nsLine = regexp.MustCompile(`^(net|ipc|uts|mnt|pid|cgroup):\[\d+\]$`)

func testNS(t *testing.T, bin string) {
	out, _ := output(t, bin, "ns")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(namespaces) {
		t.Fatalf("ns printed %q", out)
	}
	for i, l := range lines {
		if !nsLine.MatchString(l) || !strings.HasPrefix(l, namespaces[i]+":") {
			t.Errorf("ns line %q", l)
		}
	}
}

func testSimple(t *testing.T, bin string) {
	h, _ := os.Hostname()
	if out, _ := output(t, bin, "hostname"); out != h+"\n" {
		t.Errorf("hostname = %q, want %q", out, h)
	}
	if _, code := output(t, bin, "exit", "7"); code != 7 {
		t.Errorf("exit 7: code %d", code)
	}
	if _, code := output(t, bin, "sleep", "0.1"); code != 0 {
		t.Errorf("sleep: code %d", code)
	}
	if out, _ := output(t, bin, "ip"); !strings.Contains(out, "lo 127.0.0.1/8") {
		t.Errorf("ip = %q, want lo 127.0.0.1/8", out)
	}
	if out, _ := output(t, bin, "cgroup"); !strings.Contains(out, "0::") {
		t.Errorf("cgroup = %q, want the cgroup2 line", out)
	}
	f := filepath.Join(t.TempDir(), "f")
	if _, code := output(t, bin, "write", f, "hi there"); code != 0 {
		t.Errorf("write: code %d", code)
	}
	if b, _ := os.ReadFile(f); string(b) != "hi there\n" {
		t.Errorf("written %q", b)
	}
	if _, code := output(t, bin, "bogus"); code != 2 {
		t.Errorf("unknown command: code %d, want 2", code)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}

// start runs testapp and waits for its first output line.
func start(t *testing.T, bin string, args ...string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	if !sc.Scan() {
		t.Fatalf("testapp %q printed nothing", args)
	}
	return cmd, sc
}

func testServe(t *testing.T, bin string) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	start(t, bin, "serve", port, dir)
	base := "http://127.0.0.1:" + port
	for path, want := range map[string]string{"/": "hello\n", "/ns": "net:[", "/hostname": "\n"} {
		out, code := output(t, bin, "get", base+path)
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("get %s = %q, code %d; want %q", path, out, code, want)
		}
	}
	if _, code := output(t, bin, "get", base+"/missing"); code != 1 {
		t.Errorf("get of a 404: code %d, want 1", code)
	}
	port2 := freePort(t)
	start(t, bin, "serve", port2)
	if out, _ := output(t, bin, "get", "http://127.0.0.1:"+port2+"/"); out != "ok\n" {
		t.Errorf("serve without DIR: / = %q", out)
	}
}

func testSignals(t *testing.T, bin string) {
	cmd, sc := start(t, bin, "catch-term", "0.2")
	if sc.Text() != "ready" {
		t.Fatalf("catch-term printed %q", sc.Text())
	}
	began := time.Now()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if !sc.Scan() || sc.Text() != "term" {
		t.Errorf("catch-term after SIGTERM printed %q", sc.Text())
	}
	if err := cmd.Wait(); err != nil || time.Since(began) < 200*time.Millisecond {
		t.Errorf("catch-term: exit %v after %v, want 0 after 0.2s", err, time.Since(began))
	}
	cmd, sc = start(t, bin, "ignore-term")
	if sc.Text() != "ready" {
		t.Fatalf("ignore-term printed %q", sc.Text())
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(200 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("ignore-term died on SIGTERM: %v", err)
	}
}

func testMemhog(t *testing.T, bin string) {
	_, sc := start(t, bin, "memhog", "8")
	var last string
	for sc.Scan() && sc.Text() != "done" {
		last = sc.Text()
	}
	if last != "allocated 8 MiB" || sc.Text() != "done" {
		t.Errorf("memhog: last lines %q, %q", last, sc.Text())
	}
}

func testForkbomb(t *testing.T, bin string) {
	_, sc := start(t, bin, "forkbomb", "3")
	if sc.Text() != "forked 3 of 3" {
		t.Errorf("forkbomb printed %q", sc.Text())
	}
}
