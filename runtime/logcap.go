package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/podd/podd/runtime/logfile"
	"golang.org/x/sys/unix"
)

// Log disk defaults: kubelet's containerLogMaxSize and containerLogMaxFiles.
const (
	DefaultLogMaxSize  = 10 << 20
	DefaultLogMaxFiles = 5
)

// pipeSize is what a container may write while podd is not reading (down or upgrading)
// before its writes block: F_SETPIPE_SZ, bounded by /proc/sys/fs/pipe-max-size (1 MiB by
// default) unless podd may exceed it.
const pipeSize = 1 << 20

// runLog is the capture of one run's stdout and stderr into its CRI log file. The streams
// are named pipes (FIFOs) in the container's state directory that the container holds open
// read-write: while podd is down nobody reads them, yet the container never gets SIGPIPE: its
// writes fill the pipe, then block until a restarted podd opens the FIFOs again (resumeLog).
type runLog struct {
	stdout, stderr *os.File // the container's ends, from create to start
	run            int32
	done           chan struct{}   // closed once both streams ended and the file is closed
	w              *logfile.Writer // the run's log file, set before the capture starts
	taps           taps            // the attaches (attachtap.go)
}

func (c *container) fifoPath(stream string) string {
	return filepath.Join(c.dir(), stream+".fifo")
}

// openLog makes this run's FIFOs and log file and starts capturing them.
func (c *container) openLog() (*runLog, error) {
	path := c.logPath(c.restarts)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("log directory: %w", err)
	}
	c.p.rt.pruneRuns(path) // before the new file: the directory never holds more than the max
	l := &runLog{run: c.restarts, done: make(chan struct{})}
	var err error
	if l.stdout, err = c.makeFIFO(logfile.Stdout); err == nil {
		l.stderr, err = c.makeFIFO(logfile.Stderr)
	}
	if err == nil {
		err = c.capture(l, false)
	}
	if err != nil {
		l.closeEnds()
		return nil, err
	}
	return l, nil
}

// makeFIFO creates a stream's FIFO afresh and opens the container's end of it: read-write,
// blocking (os.OpenFile would make it non-blocking for the poller, which the container
// would then see as EAGAIN).
func (c *container) makeFIFO(stream string) (*os.File, error) {
	path := c.fifoPath(stream)
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("log pipe: %w", err)
	}
	if err := unix.Mkfifo(path, 0o600); err != nil {
		return nil, fmt.Errorf("log pipe: mkfifo %s: %w", path, err)
	}
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("log pipe: open %s: %w", path, err)
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETPIPE_SZ, pipeSize); err != nil {
		logf("log pipe %s: F_SETPIPE_SZ %d: %v (the default 64 KiB stays)", path, pipeSize, err)
	}
	return os.NewFile(uintptr(fd), path), nil
}

// capture opens podd's (read) ends of the run's FIFOs and copies them to the run's log file
// (through the runtime's log poller: no goroutine per stream) until the container and
// everything it started have closed them. resume: a podd that is gone captured them (a mark
// file says where it left each stream: logfile.Mark).
func (c *container) capture(l *runLog, resume bool) error {
	rt := c.p.rt
	poller, err := rt.logPoller()
	if err != nil {
		return err
	}
	var readers [2]int
	for i, stream := range []string{logfile.Stdout, logfile.Stderr} {
		fd, err := unix.Open(c.fifoPath(stream), unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			closeFDs(readers[:i])
			return fmt.Errorf("log pipe: open %s: %w", c.fifoPath(stream), err)
		}
		readers[i] = fd
	}
	w, err := logfile.OpenWriter(c.logPath(l.run), rt.logMaxSize(), rt.logMaxFiles(), logf)
	if err != nil {
		closeFDs(readers[:])
		return err
	}
	marks, err := logfile.OpenMarks(filepath.Join(c.dir(), "log.mark"), !resume)
	if err != nil {
		closeFDs(readers[:])
		w.Close()
		return err
	}
	l.w = w
	var left atomic.Int32 // streams not ended yet
	left.Store(2)
	ended := func(err error) {
		if err != nil {
			logf("log %s: %v", c.logPath(l.run), err)
		}
		if left.Add(-1) == 0 {
			w.Close()
			marks.Close()
			close(l.done)
		}
	}
	err = poller.Add(w, ended,
		logfile.Source{FD: readers[0], Stream: logfile.Stdout, Mark: logfile.StreamMark(marks, logfile.Stdout), Resume: resume, Tap: l.taps.send},
		logfile.Source{FD: readers[1], Stream: logfile.Stderr, Mark: logfile.StreamMark(marks, logfile.Stderr), Resume: resume, Tap: l.taps.send})
	if err != nil {
		closeFDs(readers[:])
		w.Close()
		marks.Close()
		return err
	}
	return nil
}

func closeFDs(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// resumeLog takes the capture of a live run back after podd restarted: what the container
// wrote meanwhile waits in its pipes. Called with p.mu held.
func (c *container) resumeLog() {
	l := &runLog{run: c.restarts, done: make(chan struct{})}
	if err := c.capture(l, true); err != nil {
		logf("pod %s/%s: container %s: its output is not captured: %v", c.p.obj.Namespace, c.p.obj.Name, c.name(), err)
		close(l.done)
	}
	c.log = l
}

// closeLog closes podd's copies of the container's ends once it started (or will never
// start): the capture then ends when the container's processes have all exited.
func (c *container) closeLog() {
	if c.log != nil {
		c.log.closeEnds()
	}
}

func (l *runLog) closeEnds() {
	for _, f := range []**os.File{&l.stdout, &l.stderr} {
		if *f != nil {
			(*f).Close()
			*f = nil
		}
	}
}

// capturing reports whether run's output may still arrive in its log file.
func (c *container) capturing(run int32) bool {
	c.p.mu.Lock()
	l := c.log
	c.p.mu.Unlock()
	if l == nil || l.run != run {
		return false
	}
	select {
	case <-l.done:
		return false
	default:
		return true
	}
}

func (rt *Runtime) logMaxSize() int64 {
	if rt.opts.LogMaxSize > 0 {
		return rt.opts.LogMaxSize
	}
	return DefaultLogMaxSize
}

func (rt *Runtime) logMaxFiles() int {
	if rt.opts.LogMaxFiles > 0 {
		return rt.opts.LogMaxFiles
	}
	return DefaultLogMaxFiles
}

// pruneRuns deletes the oldest log files of a container once a new run's file exists, keeping
// --container-log-max-files of them (the current and, for logs --previous, the last run's).
func (rt *Runtime) pruneRuns(current string) {
	if err := logfile.Prune(current, rt.logMaxFiles()); err != nil {
		logf("log files: %v", err)
	}
}
