package reaper

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Watch reports the exit of a process that is not podd's child (a container adopted by a
// restarted podd). It waits on a pidfd through Go's netpoller, so no thread blocks. Only a
// parent can collect an exit status: the Exit it sends has Unknown set.
func Watch(pid int) (<-chan Exit, error) {
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("pidfd_open %d: %w", pid, err)
	}
	f := os.NewFile(uintptr(fd), fmt.Sprintf("pidfd:%d", pid))
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("watch pid %d: %w", pid, err)
	}
	ch := make(chan Exit, 1)
	go func() {
		defer f.Close()
		for {
			err := rc.Read(func(fd uintptr) bool { return Exited(int(fd)) })
			e := Exit{Pid: pid, Time: time.Now(), Unknown: true}
			if err != nil {
				e.Note = "the watch failed: " + err.Error()
				ch <- e
				return
			}
			if e.Status, e.Note, e.Unknown = zombieStatus(pid, fd); e.Note != stillRuns {
				ch <- e
				return
			}
			time.Sleep(50 * time.Millisecond) // woken while it runs: never say it ended
		}
	}()
	return ch, nil
}

const stillRuns = "the process still runs"

// zombieStatus reads the wait status of pid, ended, from /proc while it is a zombie its parent
// has not reaped yet (/proc/PID/stat's exit_code, Linux 3.5+); pidfd (pid's) still naming pid
// afterwards says the zombie read was pid's and not a later process's. unknown: it was reaped
// first (the usual case: its parent is not podd), note says so.
func zombieStatus(pid, pidfd int) (_ unix.WaitStatus, note string, unknown bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, "reaped by its parent before its status was read", true
	}
	i := bytes.LastIndexByte(data, ')')
	fields := strings.Fields(string(data[i+1:]))
	// After the command: state (3), ... exit_code (52).
	switch {
	case len(fields) < 50:
		return 0, "reaped by its parent before its status was read", true
	case fields[0] != "Z" && samePid(pidfd, pid):
		return 0, stillRuns, true
	case fields[0] != "Z":
		return 0, "reaped by its parent before its status was read", true
	}
	code, err := strconv.Atoi(fields[49])
	if err != nil || !samePid(pidfd, pid) {
		return 0, "reaped by its parent before its status was read", true
	}
	return unix.WaitStatus(code), "status read from the zombie", false
}

// samePid reports whether pidfd's process is still pid and not reaped (fdinfo's "Pid:" turns
// -1 once it is reaped, Linux 5.16+; older kernels keep the pid, and a pid is not reused
// before its zombie is reaped).
func samePid(pidfd, pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/self/fdinfo/%d", pidfd))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "Pid:"); ok {
			return strings.TrimSpace(v) == strconv.Itoa(pid)
		}
	}
	return false
}

// Exited polls the pidfd without blocking: it turns readable when the process ends (a poll
// error counts as ended). A signal that arrives meanwhile is not an end: poll(2) then fails
// with EINTR even with a zero timeout and SA_RESTART, and is asked again.
func Exited(fd int) bool { return ExitsWithin(fd, 0) }

// ExitsWithin is Exited, waiting up to d for the process to end.
func ExitsWithin(fd int, d time.Duration) bool {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	deadline := time.Now().Add(d)
	for {
		ms := int((time.Until(deadline) + time.Millisecond - 1) / time.Millisecond)
		n, err := unix.Poll(fds, max(ms, 0))
		if err != unix.EINTR {
			return err != nil || (n > 0 && fds[0].Revents != 0)
		}
	}
}
