package logfile

import (
	"errors"
	"fmt"
	"hash/crc32"

	"golang.org/x/sys/unix"
)

// readHead reads what the stream has: a marked stream's head is copied with tee(2) and stays
// in the pipe until take (after its records are written); others are read.
func (p *Poller) readHead(s *pollStream, b []byte) (int, error) {
	if s.line.mark == nil {
		return unix.Read(s.fd, b)
	}
	return peek(s.fd, p.scratch, b)
}

// peek copies up to len(b) bytes of the pipe fd's head into b through the empty pipe scratch,
// without taking them. It returns 0, nil at EOF (no writer left, nothing held) and EAGAIN
// when the pipe is empty.
func peek(fd int, scratch [2]int, b []byte) (int, error) {
	n, err := unix.Tee(fd, scratch[1], len(b), unix.SPLICE_F_NONBLOCK)
	if err != nil {
		return 0, err
	}
	for got := 0; got < int(n); {
		k, err := unix.Read(scratch[0], b[got:n])
		if err != nil {
			return 0, fmt.Errorf("log pipe: read the copy: %w", err)
		}
		got += k
	}
	return int(n), nil
}

// take removes len(sink) bytes, already written, from the pipe's head, reading them into sink.
func take(fd int, sink []byte) error {
	for len(sink) > 0 {
		k, err := unix.Read(fd, sink)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || k == 0 {
			return fmt.Errorf("log pipe: take %d bytes: %w", len(sink), errors.Join(err, unix.EIO))
		}
		sink = sink[k:]
	}
	return nil
}

// scratchPipe makes the pipe tee copies into. tee copies the pipe's buffers (a page at most
// each), not bytes: room for blockSize of them, whatever their fill.
func scratchPipe() ([2]int, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return p, fmt.Errorf("log capture: scratch pipe: %w", err)
	}
	_, _ = unix.FcntlInt(uintptr(p[1]), unix.F_SETPIPE_SZ, 16*blockSize)
	return p, nil
}

// resume takes up a stream a killed podd was capturing (Mark): the unfinished line it held,
// and the pipe's head taken out if its mark says it is already in the log.
func (s *pollStream) resume() {
	pending, written, ok := s.line.mark.resume(s.line.w)
	s.line.pending = pending
	if !ok || written.raw == 0 {
		return
	}
	scratch, err := scratchPipe()
	if err != nil {
		return
	}
	defer unix.Close(scratch[0])
	defer unix.Close(scratch[1])
	head := make([]byte, written.raw)
	if n, err := peek(s.fd, scratch, head); err == nil && n == len(head) && crc32.ChecksumIEEE(head) == written.crc {
		_ = take(s.fd, head)
	}
}
