package reaper

import (
	"os/exec"
	"runtime"
	"testing"
	"time"

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
	// The pidfd turns readable at the exit, reaped or not (the package's shared Reaper may
	// reap it first: waiting for it here could find no child).
	for deadline := time.Now().Add(10 * time.Second); !Exited(fd); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("a killed sleep not reported exited")
		}
	}
	_ = cmd.Wait()
}

// A signal arriving during the poll (Go's preemption signal, podd's SIGCHLD) is not an exit:
// poll(2) fails with EINTR whatever SA_RESTART says, and a live container taken for ended was
// restarted across a restart of podd (TestLogsKill9WhileWritingFast, once in a while).
func TestExitedIgnoresSignals(t *testing.T) {
	cmd := exec.Command("sleep", "100")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	fd, err := unix.PidfdOpen(cmd.Process.Pid, 0)
	if err != nil {
		t.Fatalf("pidfd_open: %v", err)
	}
	defer unix.Close(fd)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := unix.Gettid()
	stop := make(chan struct{})
	defer close(stop)
	go func() { // SIGURG is Go's own preemption signal: its handler is already there
		for {
			select {
			case <-stop:
				return
			default:
				_ = unix.Tgkill(unix.Getpid(), tid, unix.SIGURG)
			}
		}
	}()
	for i := range 200000 {
		if Exited(fd) {
			t.Fatalf("a running sleep reported exited at poll %d, with signals arriving", i)
		}
	}
}

// ExitsWithin waits for an exit that comes within its time (a process in the middle of ending:
// an exec's child killed with the container's PID namespace, its init not yet ended), and
// says false, after its time, for one that does not end.
func TestExitsWithin(t *testing.T) {
	cmd := exec.Command("sleep", "0.2")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	fd, err := unix.PidfdOpen(cmd.Process.Pid, 0)
	if err != nil {
		t.Fatalf("pidfd_open: %v", err)
	}
	defer unix.Close(fd)
	start := time.Now()
	if ExitsWithin(fd, 50*time.Millisecond) {
		t.Error("a sleep of 200 ms reported exited within 50 ms")
	}
	if took := time.Since(start); took < 50*time.Millisecond {
		t.Errorf("ExitsWithin(50 ms) returned after %v", took)
	}
	if !ExitsWithin(fd, 10*time.Second) {
		t.Error("a sleep of 200 ms not reported exited within 10 s")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("ExitsWithin returned %v after the exit", took)
	}
}
