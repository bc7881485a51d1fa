package reaper

import (
	"os/exec"
	"testing"

	"golang.org/x/sys/unix"
)

// Exited tells a live process from one that has exited (not yet reaped): Watch ends on it,
// and an exec whose child died before reading its config is "not running" only then.
func TestExited(t *testing.T) {
	cmd := exec.Command("sleep", "100")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	fd, err := unix.PidfdOpen(cmd.Process.Pid, 0)
	if err != nil {
		t.Fatalf("pidfd_open: %v", err)
	}
	defer unix.Close(fd)
	if Exited(fd) {
		t.Error("a running sleep reported exited")
	}
	_ = cmd.Process.Kill()
	var si unix.Siginfo
	// wait for the exit without reaping, so the pid stays the process's
	if err := unix.Waitid(unix.P_PID, cmd.Process.Pid, &si, unix.WEXITED|unix.WNOWAIT, nil); err != nil {
		t.Fatal(err)
	}
	if !Exited(fd) {
		t.Error("a killed sleep not reported exited")
	}
	_ = cmd.Wait()
}
