package nsinit

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"unsafe"

	"github.com/podd/podd/internal/fdkeep"
	"golang.org/x/sys/unix"
)

// StartKeeper starts the per-host descriptor keeper (package fdkeep) from the sealed binary,
// listening on ln (its fd 3), in a session of its own: it outlives podd (a restart, a crash, a
// live upgrade) and exits by itself once it holds nothing.
func (l *Launcher) StartKeeper(ln *os.File) error {
	cmd := &exec.Cmd{
		Path:        l.Binary.Path,
		Args:        []string{fdkeep.Arg0},
		Env:         childEnv,
		ExtraFiles:  []*os.File{ln, nil, l.Binary.memfd},
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	if _, err := l.Reaper.Start(cmd); err != nil {
		return fmt.Errorf("start the fd keeper: %w", err)
	}
	return nil
}

// runKeeper is the keeper process: comm "podd-fdkeep", no terminal signal ends it.
func runKeeper() {
	unix.Close(binaryFD)
	_ = unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(&[]byte("podd-fdkeep\x00")[0])), 0, 0, 0)
	_ = unix.Chdir("/")
	signal.Ignore(unix.SIGHUP, unix.SIGINT, unix.SIGPIPE)
	fdkeep.Main()
}
