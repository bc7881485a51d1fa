package nsinit

import (
	"os"
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

func TestProcFacts(t *testing.T) {
	if got := ParentOf(os.Getpid()); got != os.Getppid() {
		t.Errorf("ParentOf(self) = %d, want %d", got, os.Getppid())
	}
	start, err := StartTime(os.Getpid())
	if err != nil || time.Since(start) < -time.Second || time.Since(start) > 5*time.Minute {
		t.Errorf("StartTime(self) = %v (%v ago), %v", start, time.Since(start), err)
	}
	if IsNSInit(os.Getpid()) {
		t.Error("the test process is not the init of a child PID namespace")
	}
	cmd := exec.Command("/bin/true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	gone := cmd.Process.Pid
	if ParentOf(gone) != 0 {
		t.Errorf("ParentOf(%d), an exited pid, is not 0", gone)
	}
	if fd, err := PidfdChecked(gone, func() bool { return true }); fd != -1 || err != nil {
		t.Errorf("PidfdChecked(gone) = %d, %v; want -1, nil", fd, err)
	}
	if fd, err := PidfdChecked(os.Getpid(), func() bool { return false }); fd != -1 || err != nil {
		t.Errorf("PidfdChecked(self, failing check) = %d, %v; want -1, nil", fd, err)
	}
	fd, err := PidfdChecked(os.Getpid(), func() bool { return true })
	if fd < 0 || err != nil {
		t.Fatalf("PidfdChecked(self) = %d, %v", fd, err)
	}
	unix.Close(fd)
}
