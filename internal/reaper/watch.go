package reaper

import (
	"fmt"
	"os"
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
		_ = rc.Read(func(fd uintptr) bool { return Exited(int(fd)) })
		ch <- Exit{Pid: pid, Time: time.Now(), Unknown: true}
	}()
	return ch, nil
}

// Exited polls the pidfd without blocking: it turns readable when the process ends (a poll
// error counts as ended).
func Exited(fd int) bool {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 0)
	return err != nil || (n > 0 && fds[0].Revents != 0)
}
