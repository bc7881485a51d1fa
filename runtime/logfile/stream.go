package logfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Stream copies a log file from a Position, one block at a time, skipping what a cap punched
// out (and the partial line at the cut) even while the file is being capped under it.
type Stream struct {
	f   *os.File
	pos Position
	end int64 // stop here (-1: at the file's end, whenever that is)
	buf []byte
}

// NewStream reads f from pos to its end, following it as it grows.
func NewStream(f *os.File, pos Position) *Stream {
	return &Stream{f: f, pos: pos, end: -1, buf: make([]byte, blockSize)}
}

// NewTailStream reads f from t to the end f had when t was found: a snapshot, which a
// container writing faster than the reader cannot make endless.
func NewTailStream(f *os.File, t Tail) *Stream {
	return &Stream{f: f, pos: t.Position, end: t.End, buf: make([]byte, blockSize)}
}

// Copy writes what the file holds from the stream's position to its end to w.
func (s *Stream) Copy(w io.Writer) (int64, error) {
	var total int64
	for {
		off := s.pos.Off
		buf := s.buf
		if s.end >= 0 {
			if off >= s.end {
				return total, nil
			}
			buf = buf[:min(int64(len(buf)), s.end-off)]
		}
		n, err := s.f.ReadAt(buf, off)
		if n > 0 {
			written, werr := s.emit(w, buf[:n])
			total += written
			if werr != nil {
				return total, werr
			}
		}
		if s.pos.Off < off+int64(n) {
			continue // resynced past a hole into what was read: read it again
		}
		if errors.Is(err, io.EOF) {
			return total, s.checkTruncated()
		}
		if err != nil {
			return total, fmt.Errorf("read log: %w", err)
		}
	}
}

// emit writes the chunk just read at s.pos.Off, unless a cap punched it meanwhile. Caps punch
// from the head of the data towards its end, so if the chunk's first byte is still data after
// the read, none of the chunk was punched before or during the read.
func (s *Stream) emit(w io.Writer, chunk []byte) (int64, error) {
	next, err := unix.Seek(int(s.f.Fd()), s.pos.Off, unix.SEEK_DATA)
	switch {
	case errors.Is(err, unix.ENXIO):
		return 0, s.skipTrailingHole()
	case err != nil:
		return 0, fmt.Errorf("seek data in log: %w", err)
	case next > s.pos.Off:
		s.pos = Position{Off: next, Partial: true}
		return 0, nil
	}
	if s.pos.Partial {
		i := bytes.IndexByte(chunk, '\n')
		if i < 0 {
			s.pos.Off += int64(len(chunk))
			return 0, nil
		}
		s.pos = Position{Off: s.pos.Off + int64(i) + 1}
		chunk = chunk[i+1:]
	}
	n, err := w.Write(chunk)
	s.pos.Off += int64(n)
	return int64(n), err
}

// skipTrailingHole handles data that vanished under the read: the file was truncated (the
// next read sees its end) or what follows is a hole to the end, skipped.
func (s *Stream) skipTrailingHole() error {
	st, err := s.f.Stat()
	if err != nil {
		return fmt.Errorf("stat log: %w", err)
	}
	if st.Size() > s.pos.Off {
		s.pos = Position{Off: st.Size(), Partial: true}
	}
	return nil
}

// checkTruncated restarts from the beginning when the file became shorter than what was read
// (a cap that had to truncate: new output starts again at offset 0).
func (s *Stream) checkTruncated() error {
	st, err := s.f.Stat()
	if err != nil {
		return fmt.Errorf("stat log: %w", err)
	}
	if st.Size() < s.pos.Off {
		s.pos = Position{}
	}
	return nil
}

// Follow copies the file to w as it grows until alive() turns false and the end is reached,
// or ctx ends; it polls every interval and flushes w (when it can) after each burst.
func (s *Stream) Follow(ctx context.Context, w io.Writer, alive func() bool, interval time.Duration) error {
	flush := func() {}
	if fl, ok := w.(interface{ Flush() }); ok {
		flush = fl.Flush
	}
	for {
		live := alive()
		n, err := s.Copy(w)
		if err != nil {
			return err
		}
		if n > 0 {
			flush()
			continue
		}
		if !live {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}
