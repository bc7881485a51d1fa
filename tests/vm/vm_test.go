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
	"os"
	"os/exec"
	"path/filepath"
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

func TestScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("VM tier skipped with -short")
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
			elapsed := time.Since(start).Round(time.Millisecond)
			if err != nil {
				t.Fatalf("tests/vm/run %s: %v after %v\n%s", script, err, elapsed, out.String())
			}
			t.Logf("passed in %v", elapsed)
			if testing.Verbose() {
				t.Logf("console:\n%s", out.String())
			}
		})
	}
}
