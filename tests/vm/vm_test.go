// Package vm runs the VM tier: every tests/vm/scripts/*.sh is booted with tests/vm/run (the
// Debian cloud kernel under qemu, podd as PID 1) and must exit 0.
//
// Needs qemu-system-x86_64, the kernel cache (tests/vm/fetch-kernel) and static builds of podd
// and podctl (build/podd, build/podctl, or PODD_BIN / PODCTL_BIN); when one is missing the test
// is skipped (a failure under CI=true). Skipped with -short.
package vm

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/podd/podd/internal/testutil"
)

func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

// requireVM stops the test when the VM tier cannot run here (a failure under CI=true).
func requireVM(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("VM tier skipped under testing.Short (-short)")
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		testutil.Unavailable(t, "qemu-system-x86_64 not installed (run tests/vm/fetch-kernel)")
	}
	cache := envOr("PODD_VM_CACHE", "/var/cache/podd-vm")
	if _, err := os.Stat(filepath.Join(cache, "vmlinuz")); err != nil {
		testutil.Unavailable(t, "no kernel in "+cache+" (run tests/vm/fetch-kernel)")
	}
	for _, bin := range []string{
		envOr("PODD_BIN", filepath.Join(repo, "build/podd")),
		envOr("PODCTL_BIN", filepath.Join(repo, "build/podctl")),
	} {
		if bin == "" {
			continue
		}
		if _, err := os.Stat(bin); err != nil {
			testutil.Unavailable(t, bin+" not built (static, CGO_ENABLED=0)")
		}
	}
}

// runVM boots a VM for script and returns the console output and run's error.
func runVM(t *testing.T, script string) (string, error) {
	ctx := t.Context()
	if dl, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-5*time.Second))
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, "./run", script)
	// SIGTERM lets tests/vm/run stop its qemu; SIGKILL only if that hangs.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 15 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	t.Logf("tests/vm/run %s: %v", filepath.Base(script), time.Since(start).Round(time.Millisecond))
	return out.String(), err
}

func TestScripts(t *testing.T) {
	requireVM(t)
	scripts, err := filepath.Glob("scripts/*.sh")
	if err != nil {
		t.Fatal(err)
	}
	if len(scripts) == 0 {
		t.Fatal("no scripts in tests/vm/scripts")
	}
	// Sequential on purpose: each VM takes both of the machine's cores.
	for _, script := range scripts {
		t.Run(filepath.Base(script), func(t *testing.T) {
			out, err := runVM(t, script)
			if err != nil {
				t.Fatalf("tests/vm/run %s: %v\n%s", script, err, out)
			}
			if testing.Verbose() {
				t.Logf("console:\n%s", out)
			}
		})
	}
}

// podctl shutdown, as PID 1: podd stops every pod (SIGTERM reaches a container that handles it)
// before it reports and powers the machine off.
func TestShutdownStopsPodsThenPowersOff(t *testing.T) {
	requireVM(t)
	script := filepath.Join(t.TempDir(), "shutdown.sh")
	body := `#!/bin/sh
set -eu
podctl run catcher --image=oci:/var/lib/podd/images/podd-test:latest -- testapp catch-term 0
podctl run sleeper --image=oci:/var/lib/podd/images/podd-test:latest -- testapp sleep 600
podctl get pods
podctl shutdown
sleep 60
echo "still running after shutdown"
exit 3
`
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := runVM(t, script)
	if err != nil {
		t.Fatalf("tests/vm/run: %v\n%s", err, out)
	}
	order := []string{"shutdown requested", "stopped pod default/", "stopped pod default/", "all pods stopped", "PODD_RUN_EXIT=0", "reboot: Power down"}
	rest := out
	for _, want := range order {
		i := strings.Index(rest, want)
		if i < 0 {
			t.Fatalf("console lacks %q (in order %q):\n%s", want, order, out)
		}
		rest = rest[i+len(want):]
	}
	if strings.Contains(out, "still running after shutdown") {
		t.Fatalf("the script outlived the shutdown:\n%s", out)
	}
}

// stubRun boots the stand-in init (tests/vm/stubinit, as tests/vm/smoke.sh does) with script
// through tests/vm/run and returns its console and stderr, and run's error.
func stubRun(t *testing.T, script string) (string, error) {
	t.Helper()
	cache := envOr("PODD_VM_CACHE", "/var/cache/podd-vm")
	stub := filepath.Join(cache, "stub")
	if err := os.MkdirAll(filepath.Join(stub, "images"), 0o755); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", filepath.Join(stub, "init"), "./stubinit")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building stubinit: %v\n%s", err, out)
	}
	t.Setenv("PODD_BIN", filepath.Join(stub, "init"))
	t.Setenv("PODCTL_BIN", "")
	t.Setenv("PODD_IMAGES", filepath.Join(stub, "images"))
	path := filepath.Join(t.TempDir(), "script.sh")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return runVM(t, path)
}

// fakeLockup is a guest script's line that puts two soft-lockup reports on the console (through
// the kernel's log, at KERN_EMERG as the kernel's own) and then waits as a hung guest would.
const fakeLockup = `for s in 26 52; do echo "<0>watchdog: BUG: soft lockup - CPU#1 stuck for ${s}s! [fake:1]" >/dev/kmsg; done; sleep 240`

// A guest whose kernel reports a soft lockup twice is stopped at once and booted once more with
// the kernel's messages on; the second boot's result is run's.
func TestRunRebootsAGuestThatHung(t *testing.T) {
	requireVM(t)
	start := time.Now()
	out, err := stubRun(t, `#!/bin/sh
if ! grep -q softlockup_all_cpu_backtrace=1 /proc/cmdline; then `+fakeLockup+`; fi
echo "second boot: $(cat /proc/cmdline)"
`)
	if err != nil {
		t.Fatalf("tests/vm/run: %v\n%s", err, out)
	}
	for _, want := range []string{"reported a CPU stuck twice", "second boot:", "loglevel=7", "PODD_RUN_EXIT=0"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	if d := time.Since(start); d > 150*time.Second {
		t.Fatalf("the hung guest was not stopped when it reported the lockup: %v for two boots\n%s", d, out)
	}
}

// A guest that hangs on both boots fails with run's status 125, naming why.
func TestRunFailsAGuestThatHungTwice(t *testing.T) {
	requireVM(t)
	out, err := stubRun(t, "#!/bin/sh\n"+fakeLockup+"\n")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 125 {
		t.Fatalf("tests/vm/run: %v, want exit status 125\n%s", err, out)
	}
	if !strings.Contains(out, "the guest hung twice") {
		t.Fatalf("output lacks the reason:\n%s", out)
	}
}

// A guest that runs to PODD_VM_TIMEOUT without printing PODD_RUN_EXIT, silent, is booted once
// more with the kernel's messages on; the second boot's result is run's.
func TestRunRebootsAGuestThatTimedOut(t *testing.T) {
	requireVM(t)
	t.Setenv("PODD_VM_TIMEOUT", "30")
	out, err := stubRun(t, `#!/bin/sh
if ! grep -q softlockup_all_cpu_backtrace=1 /proc/cmdline; then sleep 240; fi
echo "second boot"
`)
	if err != nil {
		t.Fatalf("tests/vm/run: %v\n%s", err, out)
	}
	for _, want := range []string{"did not finish within 30s", "second boot", "PODD_RUN_EXIT=0"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
}
