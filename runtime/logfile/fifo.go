package logfile

import (
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// CaptureFIFO captures a stream from podd's read end of the container's FIFO (non-blocking)
// so that a podd killed at any moment neither loses nor repeats output: it copies the pipe's
// head without taking it (tee(2)), records where its records go (m), writes them, and only
// then takes the bytes out of the pipe. A line whose newline has not come yet stays in the
// pipe. resume: the run was captured by a podd that is gone; what its mark says was written
// but is still at the pipe's head is taken out first. Memory between reads: none (the buffer
// comes from a pool while there is something to read).
//
// The one case this cannot tell apart: a podd killed between a write and the take, followed
// by the container writing the very same bytes again; the second copy is then dropped.
func CaptureFIFO(r *os.File, stream string, w *Writer, m *Mark, resume bool) error {
	rc, err := r.SyscallConn()
	if err != nil {
		return err
	}
	f := &fifo{rc: rc, c: capture{stream: stream, w: w, mark: m}}
	if resume {
		f.skipWritten()
	}
	for {
		avail, hup, err := f.wait()
		if err != nil {
			return err
		}
		if avail == 0 && hup {
			return nil
		}
		if err := f.step(avail, hup); err != nil {
			return err
		}
	}
}

type fifo struct {
	rc   syscall.RawConn
	c    capture
	left int // bytes of an unfinished line left in the pipe by the last step
}

// wait blocks until the pipe holds more than the unfinished line last seen, or its writers
// are all gone; it returns how much it holds.
func (f *fifo) wait() (avail int, hup bool, err error) {
	rerr := f.rc.Read(func(fd uintptr) bool {
		avail, err = unix.IoctlGetInt(int(fd), unix.TIOCINQ) // FIONREAD
		if err != nil {
			return true
		}
		if avail > f.left {
			return true // hang-up, if any, is seen once this is taken
		}
		hup = hungUp(int(fd))
		return hup
	})
	if err == nil {
		err = rerr
	}
	if err != nil {
		return 0, false, fmt.Errorf("log pipe: %w", err)
	}
	return avail, hup, nil
}

func hungUp(fd int) bool {
	p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, err := unix.Poll(p, 0)
	return err == nil && n > 0 && p[0].Revents&unix.POLLHUP != 0
}

// step writes the records of the pipe's head and takes their bytes out. At hang-up an
// unfinished line is written as a P record and taken too.
func (f *fifo) step(avail int, hup bool) error {
	buf := blocks.Get().(*[]byte)
	defer blocks.Put(buf)
	n, err := f.peek((*buf)[:min(avail, blockSize)])
	if err != nil || n == 0 {
		return err
	}
	now := time.Now()
	head := (*buf)[:n]
	rest := f.c.parse(head, now)
	if hup && len(rest) > 0 && n == avail {
		f.c.partial(now, rest)
		rest = nil
	}
	took := head[:n-len(rest)]
	f.c.flush(took)
	f.left = len(rest)
	return f.take(*buf, len(took))
}

// peek copies up to len(b) bytes of the pipe's head into b without taking them.
func (f *fifo) peek(b []byte) (int, error) {
	p, err := getPipe()
	if err != nil {
		return 0, err
	}
	defer putPipe(p)
	var n int
	cerr := f.rc.Control(func(fd uintptr) {
		var t int64
		t, err = unix.Tee(int(fd), p[1], len(b), unix.SPLICE_F_NONBLOCK)
		n = int(t)
	})
	if errors.Is(err, unix.EAGAIN) {
		return 0, nil
	}
	if err = errors.Join(err, cerr); err != nil {
		return 0, fmt.Errorf("log pipe: tee: %w", err)
	}
	for got := 0; got < n; {
		k, err := unix.Read(p[0], b[got:n])
		if err != nil {
			return 0, fmt.Errorf("log pipe: read copy: %w", err)
		}
		got += k
	}
	return n, nil
}

// take removes n bytes, already written, from the pipe's head, reading them into sink.
func (f *fifo) take(sink []byte, n int) error {
	var err error
	cerr := f.rc.Control(func(fd uintptr) {
		for n > 0 && err == nil {
			var k int
			k, err = unix.Read(int(fd), sink[:min(n, len(sink))])
			n -= k
		}
	})
	if err = errors.Join(err, cerr); err != nil {
		return fmt.Errorf("log pipe: take: %w", err)
	}
	return nil
}

// skipWritten takes out of the pipe the head a killed podd had written but not taken: its
// mark names records that are in the log whole, and the pipe starts with their bytes.
func (f *fifo) skipWritten() {
	m, ok := f.c.mark.get()
	if !ok {
		return
	}
	size, current, found := f.c.w.written(m.ino)
	switch {
	case !found || size <= m.off:
		return // never written: the pipe's head is new
	case size < m.off+m.size:
		if current {
			f.c.w.cutBack(m.off) // cut short by the kill: written again whole
		}
		return
	}
	buf := blocks.Get().(*[]byte)
	defer blocks.Put(buf)
	if n, err := f.peek((*buf)[:m.raw]); err == nil && n == int(m.raw) && crc32.ChecksumIEEE((*buf)[:n]) == m.crc {
		_ = f.take(*buf, n)
	}
}

var blocks = sync.Pool{New: func() any { b := make([]byte, blockSize); return &b }}

// pipes holds the scratch pipes tee copies into, emptied before they are put back (peek
// reads all it copied).
var pipes = make(chan [2]int, 8)

func getPipe() ([2]int, error) {
	select {
	case p := <-pipes:
		return p, nil
	default:
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return p, fmt.Errorf("log pipe: scratch pipe: %w", err)
	}
	// tee copies the pipe's buffers (a page each at most), not bytes: room for blockSize of
	// them whatever their fill. The default 16 still takes 64 KiB of full pages.
	_, _ = unix.FcntlInt(uintptr(p[1]), unix.F_SETPIPE_SZ, 16*blockSize)
	return p, nil
}

func putPipe(p [2]int) {
	select {
	case pipes <- p:
	default:
		unix.Close(p[0])
		unix.Close(p[1])
	}
}
