package logfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// ErrLimit ends a copy that reached Selector.LimitBytes.
var ErrLimit = errors.New("log limit reached")

// Selector is what of a log is printed, as the Kubernetes log options: lines from Since on,
// each prefixed with its time (Timestamps), at most LimitBytes bytes in all (0: no limit).
// Lines that are not CRI records (logs written before podd wrote the CRI format) are printed
// as they are, whatever Since says, and without a time. A Selector keeps its state between
// files, so a line split across a rotation is joined.
type Selector struct {
	Since      time.Time
	Timestamps bool
	LimitBytes int64

	written int64
	midLine bool // the last record printed was partial: the next one goes on with its line
	skip    bool // the current line is before Since
	plain   bool // in the middle of a plain (non-CRI) line longer than the buffer
}

// Copy prints the records of f from off to end (end < 0: to the file's end whenever the
// reading gets there) and returns the offset after the last whole record: a record still
// being written is left for the next Copy. With final, a last line without newline (a plain
// log's) is printed too.
func (s *Selector) Copy(w io.Writer, f *os.File, off, end int64, final bool) (int64, error) {
	buf := make([]byte, blockSize)
	for {
		want := buf
		if end >= 0 {
			if off >= end {
				return off, nil
			}
			want = buf[:min(int64(len(buf)), end-off)]
		}
		n, err := f.ReadAt(want, off)
		used, werr := s.records(w, want[:n], final && (n < len(want) || end >= 0 && off+int64(n) >= end))
		off += int64(used)
		if werr != nil {
			return off, werr
		}
		if errors.Is(err, io.EOF) || n == 0 || used == 0 {
			if err != nil && !errors.Is(err, io.EOF) {
				return off, fmt.Errorf("read log: %w", err)
			}
			return off, nil
		}
	}
}

// records prints the whole records of chunk and says how many bytes it used. A chunk with no
// newline at all is a plain line longer than the buffer: printed through. last: the chunk is
// the end of the file's content, its unterminated tail printed as a plain line.
func (s *Selector) records(w io.Writer, chunk []byte, last bool) (int, error) {
	used := 0
	for used < len(chunk) {
		i := bytes.IndexByte(chunk[used:], '\n')
		if i < 0 {
			break
		}
		if err := s.record(w, chunk[used:used+i]); err != nil {
			return used, err
		}
		used += i + 1
	}
	rest := chunk[used:]
	if len(rest) > 0 && (last || (used == 0 && len(chunk) == blockSize)) {
		s.plain = !last
		return len(chunk), s.emit(w, rest, !last, time.Time{})
	}
	return used, nil
}

// record prints one record (line without its newline).
func (s *Selector) record(w io.Writer, line []byte) error {
	if s.plain {
		s.plain = false
		return s.emit(w, append(line[:len(line):len(line)], '\n'), false, time.Time{})
	}
	e, err := ParseRecord(line)
	if err != nil {
		if s.midLine {
			s.midLine = false
			if err := s.write(w, []byte("\n")); err != nil {
				return err
			}
		}
		return s.emit(w, append(line[:len(line):len(line)], '\n'), false, time.Time{})
	}
	if !s.midLine {
		s.skip = e.Time.Before(s.Since)
	}
	if s.skip {
		s.midLine = e.Partial
		return nil
	}
	content := e.Content
	if !e.Partial {
		content = append(content[:len(content):len(content)], '\n')
	}
	return s.emit(w, content, e.Partial, e.Time)
}

// emit prints content (which carries its newline when it ends a line), prefixed with t when
// it starts a line and timestamps are asked for.
func (s *Selector) emit(w io.Writer, content []byte, partial bool, t time.Time) error {
	if !s.midLine && s.Timestamps && !t.IsZero() {
		if err := s.write(w, t.UTC().AppendFormat(nil, TimeFormat+" ")); err != nil {
			return err
		}
	}
	s.midLine = partial
	return s.write(w, content)
}

func (s *Selector) write(w io.Writer, p []byte) error {
	limited := false
	if s.LimitBytes > 0 && s.written+int64(len(p)) >= s.LimitBytes {
		p, limited = p[:s.LimitBytes-s.written], true
	}
	n, err := w.Write(p)
	s.written += int64(n)
	if err != nil {
		return err
	}
	if limited {
		return ErrLimit
	}
	return nil
}
