package runtime

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// ContainerRoot opens the root directory of a running container as its process sees it
// (/proc/PID/root, an O_PATH handle, volumes and all). The pid is checked with a pidfd opened
// before the root and still alive after it, so a pid reused in between is never trusted.
func (rt *Runtime) ContainerRoot(ctx context.Context, namespace, name, ctr string) (*os.File, error) {
	c, pid, err := rt.runningContainer(namespace, name, ctr)
	if err != nil {
		return nil, err
	}
	pfd, err := containerPidfd(c, pid)
	if err != nil {
		return nil, err
	}
	defer unix.Close(pfd)
	p := "/proc/" + strconv.Itoa(pid) + "/root"
	fd, err := unix.Open(p, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open root of container %s: %w", c.name(), err)
	}
	if !pidfd(pfd).alive() {
		unix.Close(fd)
		return nil, notRunning(c)
	}
	return os.NewFile(uintptr(fd), p), nil
}
