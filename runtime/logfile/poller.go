package logfile

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// ErrPollerClosed ends the streams a Poller still held when it was closed.
var ErrPollerClosed = errors.New("log capture stopped")

// Poller captures every container's streams with one goroutine and one read buffer: the
// streams' read ends (non-blocking FIFOs or pipes) sit in an epoll set and a stream is read only
// when it has data. An idle stream costs its registration and, at most, the start of a line
// whose newline has not come yet: no goroutine, no read buffer. (A goroutine per stream holds
// its stack and a buffer: with 1000 containers, 2000 of each.)
//
// Records are written from the poller's goroutine: a stream whose log file's disk is slow
// delays the others, while their pipes (1 MiB each) hold what the containers write meanwhile.
type Poller struct {
	epfd, wake int // the epoll set and an eventfd in it that Close signals
	mu         sync.Mutex
	streams    map[int32]*pollStream // by fd
	closed     bool
	stopped    chan struct{}
	buf        []byte // the read buffer: a stream's pending line, then what was read after it
	out        []byte // records of one read
	scratch    [2]int // a pipe the head of a marked stream is copied into (tee.go)
}

type pollStream struct {
	fd   int
	tap  func(stream string, p []byte)
	line lineSplitter // line.mark set: the stream's head is copied, written, then taken
	done func(error)
}

// NewPoller starts a poller.
func NewPoller() (*Poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("log capture: epoll_create1: %w", err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("log capture: eventfd: %w", err)
	}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wake, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wake)}); err != nil {
		unix.Close(epfd)
		unix.Close(wake)
		return nil, fmt.Errorf("log capture: epoll_ctl: %w", err)
	}
	scratch, err := scratchPipe()
	if err != nil {
		unix.Close(epfd)
		unix.Close(wake)
		return nil, err
	}
	p := &Poller{epfd: epfd, wake: wake, streams: map[int32]*pollStream{}, stopped: make(chan struct{}),
		buf: make([]byte, blockSize), scratch: scratch}
	go p.loop()
	return p, nil
}

// Source is a stream (Stdout or Stderr) read from FD, a non-blocking read end. With a Mark,
// nothing is lost or repeated if podd is killed (Mark); Resume: a killed podd captured it.
type Source struct {
	FD     int
	Stream string
	Mark   *Mark
	Resume bool
	// Tap, when set, sees the stream's bytes as they are read (from the poller's goroutine:
	// it must not block), before the log's line framing: an attach.
	Tap func(stream string, p []byte)
}

// Add captures each source into w until its EOF (every writer closed it), as Capture does;
// the poller then closes its fd and calls done (from the poller's goroutine: done must not
// block) with nil, or with the error that ended the stream. Add takes all the sources or
// none: on error the fds are left to the caller.
func (p *Poller) Add(w *Writer, done func(error), srcs ...Source) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrPollerClosed
	}
	for i, src := range srcs {
		err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, src.FD, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(src.FD)})
		if err != nil {
			for _, added := range srcs[:i] {
				_ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, added.FD, nil)
				delete(p.streams, int32(added.FD)) // the loop, waiting for mu, then skips it
			}
			return fmt.Errorf("log capture: epoll_ctl add %s: %w", src.Stream, err)
		}
		s := &pollStream{fd: src.FD, tap: src.Tap, line: lineSplitter{stream: src.Stream, w: w, mark: src.Mark}, done: done}
		if src.Resume && src.Mark != nil {
			s.resume()
		}
		p.streams[int32(src.FD)] = s
	}
	return nil
}

// Len is how many streams are being captured.
func (p *Poller) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.streams)
}

// Close stops the poller: the streams it still holds are closed (their done gets
// ErrPollerClosed) without reading what their pipes hold.
func (p *Poller) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.stopped
		return
	}
	p.closed = true
	p.mu.Unlock()
	_, _ = unix.Write(p.wake, []byte{1, 0, 0, 0, 0, 0, 0, 0})
	<-p.stopped
}

func (p *Poller) loop() {
	defer close(p.stopped)
	events := make([]unix.EpollEvent, 64)
	for {
		n, err := unix.EpollWait(p.epfd, events, -1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil { // only a bad epoll fd: nothing left to do but stop
			p.stop(fmt.Errorf("log capture: epoll_wait: %w", err))
			return
		}
		for _, ev := range events[:n] {
			if ev.Fd == int32(p.wake) {
				p.stop(ErrPollerClosed)
				return
			}
			p.mu.Lock()
			s := p.streams[ev.Fd]
			p.mu.Unlock()
			if s != nil {
				p.read(s)
			}
		}
	}
}

// read reads what the stream has, once (level-triggered epoll comes back for the rest after
// the other ready streams had their turn), and writes its complete lines.
func (p *Poller) read(s *pollStream) {
	k := copy(p.buf, s.line.pending)
	n, err := p.readHead(s, p.buf[k:])
	switch {
	case n > 0:
		if s.tap != nil {
			s.tap(s.line.stream, p.buf[k:k+n])
		}
		p.out = s.line.feed(p.buf[:k+n], time.Now(), p.out[:0])
		if s.line.mark != nil {
			if err := take(s.fd, p.buf[k:k+n]); err != nil {
				p.end(s, err)
				return
			}
		}
		if cap(p.out) > 4*blockSize { // a burst of tiny lines: do not keep its records' buffer
			p.out = nil
		}
	case errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR):
	case err != nil:
		p.end(s, fmt.Errorf("read %s: %w", s.line.stream, err))
	default: // EOF
		p.end(s, nil)
	}
}

// end writes what is pending of an ended stream, forgets it and tells its owner.
func (p *Poller) end(s *pollStream, err error) {
	p.out = s.line.finish(time.Now(), p.out[:0])
	p.mu.Lock()
	delete(p.streams, int32(s.fd))
	p.mu.Unlock()
	_ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, s.fd, nil)
	unix.Close(s.fd)
	s.done(err)
}

func (p *Poller) stop(err error) {
	p.mu.Lock()
	p.closed = true
	streams := p.streams
	p.streams = map[int32]*pollStream{}
	p.mu.Unlock()
	for _, s := range streams {
		unix.Close(s.fd)
		s.done(err)
	}
	unix.Close(p.epfd)
	unix.Close(p.wake)
	unix.Close(p.scratch[0])
	unix.Close(p.scratch[1])
}
