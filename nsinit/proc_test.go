package nsinit

import (
	"os/exec"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// CatchesSignal decides whether a delete waits for SIGTERM; it must read the real SigCgt mask.
func TestCatchesSignal(t *testing.T) {
	for script, want := range map[string]bool{
		"sleep 5":                            false,
		"trap '' TERM; sleep 5":              false, // ignored, not caught
		"trap 'exit 0' TERM; sleep 5 & wait": true,
	} {
		cmd := exec.Command("/bin/sh", "-c", script)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond) // let the shell install its trap
		if got := CatchesSignal(cmd.Process.Pid, unix.SIGTERM); got != want {
			t.Errorf("%q: catches SIGTERM = %v, want %v", script, got, want)
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
}
