package logfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// TailStart finds the offset where the last n lines of f's first size bytes start (n < 0: 0,
// all of it; n == 0: the end), reading backwards from the end one block at a time, whatever
// the length of the lines. A line is a run of P records ended by an F record (or one plain
// line); a last line still being written (P records without their F yet) counts as a line.
func TailStart(f *os.File, size, n int64) (int64, error) {
	switch {
	case n < 0 || size == 0:
		return 0, nil
	case n == 0:
		return size, nil
	}
	b := backScan{f: f, n: n, buf: make([]byte, min(blockSize, size)), head: make([]byte, 64), next: size}
	return b.run(size)
}

// backScan visits the records of a file from the last to the first.
type backScan struct {
	f     *os.File
	n     int64
	buf   []byte
	head  []byte
	next  int64 // the start of the record visited last (its end for the one before it)
	lines int64
	first bool // a record was visited
}

func (b *backScan) run(size int64) (int64, error) {
	pos := size
	if last, err := b.byteAt(size - 1); err != nil {
		return 0, err
	} else if last == '\n' {
		pos-- // the newline of the last record does not start another one
	}
	for pos > 0 {
		start := max(0, pos-int64(len(b.buf)))
		chunk := b.buf[:pos-start]
		if _, err := b.f.ReadAt(chunk, start); err != nil && !errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("read log: %w", err)
		}
		for i := len(chunk) - 1; i >= 0; i-- {
			if chunk[i] != '\n' {
				continue
			}
			if off, done, err := b.visit(start + int64(i) + 1); done || err != nil {
				return off, err
			}
		}
		pos = start
	}
	off, _, err := b.visit(0)
	return off, err
}

// visit looks at the record starting at start: an F record ends a line; once n lines are
// counted, the lines asked for start right after it.
func (b *backScan) visit(start int64) (int64, bool, error) {
	end := b.next
	b.next = start
	k, err := b.f.ReadAt(b.head, start)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, false, fmt.Errorf("read log: %w", err)
	}
	head := b.head[:k]
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	e, perr := ParseRecord(head)
	endsLine := perr != nil || !e.Partial
	if !b.first {
		b.first = true
		if !endsLine {
			b.lines++ // a line still being written
		}
	}
	if !endsLine {
		return 0, false, nil
	}
	if b.lines == b.n {
		return end, true, nil
	}
	b.lines++
	return 0, false, nil
}

func (b *backScan) byteAt(off int64) (byte, error) {
	if _, err := b.f.ReadAt(b.buf[:1], off); err != nil {
		return 0, fmt.Errorf("read log: %w", err)
	}
	return b.buf[0], nil
}

// WholeEnd is the offset just after the last newline in f's first size bytes: where the whole
// records end. The writer appends a batch of records in one write, which a reader may see
// partly, so a live log's unterminated tail is a record still being written.
func WholeEnd(f *os.File, size int64) (int64, error) {
	buf := make([]byte, min(blockSize, size))
	for pos := size; pos > 0; {
		start := max(0, pos-int64(len(buf)))
		chunk := buf[:pos-start]
		if _, err := f.ReadAt(chunk, start); err != nil && !errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("read log: %w", err)
		}
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
		pos = start
	}
	return 0, nil
}
