package runtime

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/podd/podd/internal/reaper"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
)

// Termination messages, kubelet's way: what the run wrote to its terminationMessagePath, at
// most 4 KiB; with terminationMessagePolicy FallbackToLogsOnError and nothing written, a run
// that failed gets the tail of its log (80 lines, 2 KiB at most). The file is read from the
// container's writable layer, so a path on a volume or on the /dev tmpfs (the default
// /dev/termination-log) is not seen: podd does not bind a host file there yet.
const (
	maxTermMessage  = 4096
	fallbackLines   = 80
	fallbackMaxSize = 2048
)

// terminationMessage is the message of the run that just ended (its log is this run's).
func (c *container) terminationMessage(e reaper.Exit) string {
	if path := c.spec.TerminationMessagePath; path != "" {
		if msg := readCapped(filepath.Join(c.dir(), "upper"), strings.TrimPrefix(filepath.Clean("/"+path), "/"), maxTermMessage); msg != "" {
			return msg
		}
	}
	if c.spec.TerminationMessagePolicy != corev1.TerminationMessageFallbackToLogsOnError || (!e.Unknown && e.Code() == 0) {
		return ""
	}
	return logTail(c.logPath(c.restarts), fallbackLines, fallbackMaxSize)
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
