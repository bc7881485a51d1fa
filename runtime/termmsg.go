package runtime

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/podd/podd/mounts"

	"github.com/podd/podd/internal/reaper"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
)

// Termination messages, kubelet's way: what the run wrote to its terminationMessagePath, at
// most 4 KiB; with terminationMessagePolicy FallbackToLogsOnError and nothing written, a run
// that failed gets the tail of its log (80 lines, 2 KiB at most). As the kubelet does, each run
// gets an empty file of mode 0666 bound at that path (the default /dev/termination-log is on
// the container's /dev tmpfs), here <run>/mem/<pod uid>/termination/<container> on podd's
// memory tmpfs, and podd reads it when the run ends.
const (
	maxTermMessage  = 4096
	fallbackLines   = 80
	fallbackMaxSize = 2048
)

// terminationMessage is the message of the run that just ended (its log is this run's).
func (c *container) terminationMessage(e reaper.Exit) string {
	if c.spec.TerminationMessagePath != "" {
		if msg := readCapped(filepath.Dir(c.termFile()), filepath.Base(c.termFile()), maxTermMessage); msg != "" {
			return msg
		}
	}
	if c.spec.TerminationMessagePolicy != corev1.TerminationMessageFallbackToLogsOnError || (!e.Unknown && e.Code() == 0) {
		return ""
	}
	return logTail(c.logPath(c.restarts), fallbackLines, fallbackMaxSize)
}

// termFile is the host file bound at the container's terminationMessagePath.
func (c *container) termFile() string {
	return filepath.Join(c.p.memDir(), "termination", c.name())
}

// resetTermFile gives a new run an empty termination message file (kubelet: one per container
// id), writable by whatever user the container runs as.
func (c *container) resetTermFile() error {
	if c.spec.TerminationMessagePath == "" {
		return nil
	}
	path := c.termFile()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("%s.terminationMessagePath: %w", c.fieldPath(), err)
	}
	_ = os.Remove(path) // a new inode: nothing of the last run's keeps it open
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o666)
	if err == nil {
		err = f.Chmod(0o666) // whatever the umask
		f.Close()
	}
	if err != nil {
		return fmt.Errorf("%s.terminationMessagePath: %w", c.fieldPath(), err)
	}
	return nil
}

// termBind binds the run's termination message file at terminationMessagePath.
func (c *container) termBind() []mounts.Bind {
	if c.spec.TerminationMessagePath == "" {
		return nil
	}
	return []mounts.Bind{{Source: c.termFile(), Dest: c.spec.TerminationMessagePath,
		Field: c.fieldPath() + ".terminationMessagePath"}}
}

// readCapped reads at most limit bytes of the regular file rel below dir, never through a
// symlink (the container made them: one could point at a host file), "" when there is none.
func readCapped(dir, rel string, limit int64) string {
	d, err := os.Open(dir)
	if err != nil {
		return ""
	}
	defer d.Close()
	fd, err := unix.Openat2(int(d.Fd()), rel, &unix.OpenHow{Flags: unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NONBLOCK,
		Resolve: unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_XDEV})
	if err != nil {
		return ""
	}
	f := os.NewFile(uintptr(fd), rel)
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(f, limit))
	return string(b)
}

// logTail is the last lines of a log file, at most max bytes.
func logTail(path string, lines int, limit int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(fi.Size()-limit, 0)
	b := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(b, off); err != nil && err != io.EOF {
		return ""
	}
	if n := bytes.Count(b, []byte("\n")); n > lines {
		for i := 0; i < n-lines; i++ {
			b = b[bytes.IndexByte(b, '\n')+1:]
		}
	}
	return string(b)
}
