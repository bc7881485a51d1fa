package logfile

import (
	"bytes"
	"errors"
	"io"
	"time"
)

// Capture reads a container's stream (stdout or stderr) until EOF and writes it to w as
// records: one per line, a line longer than MaxLineSize split into P records, and output that
// ends without a newline written as a P record at EOF. Lines read together are written with
// one write and one timestamp. Memory is one read buffer and one record buffer; the read
// buffer starts at firstBlock and doubles, up to blockSize, while what is read fills it (a
// quiet container, most of them, never holds 64 KiB per stream).
func Capture(r io.Reader, stream string, w *Writer) error {
	c := capture{stream: stream, w: w, in: make([]byte, firstBlock)}
	for {
		c.grow()
		n, err := r.Read(c.in[len(c.pending):])
		c.full = len(c.pending)+n == len(c.in)
		if n > 0 {
			c.lines(len(c.pending)+n, time.Now())
		}
		if errors.Is(err, io.EOF) {
			c.finish(time.Now())
			return nil
		}
		if err != nil {
			c.finish(time.Now())
			return err
		}
	}
}

// firstBlock is the read buffer a stream starts with.
const firstBlock = 4 << 10

type capture struct {
	stream  string
	w       *Writer
	full    bool   // the last read filled in
	in      []byte // the read buffer; its head holds pending
	pending []byte // the start of a line whose newline has not come yet (< MaxLineSize)
	out     []byte
	records int
	mark    *Mark // nil: no record of what was written (Capture)
}

// grow doubles the read buffer, up to blockSize, when the last read filled it or a pending line
// takes half of it (a line without its newline must always leave room to read into).
func (c *capture) grow() {
	if len(c.in) >= blockSize || (!c.full && len(c.pending) < len(c.in)/2) {
		return
	}
	in := make([]byte, min(2*len(c.in), blockSize))
	c.pending = in[:copy(in, c.pending)]
	c.in = in
}

// lines writes the complete lines of in[:n] and keeps the rest pending.
func (c *capture) lines(n int, now time.Time) {
	rest := c.parse(c.in[:n], now)
	c.flush(c.in[:n-len(rest)])
	c.pending = c.in[:copy(c.in, rest)]
}

// parse makes the records of buf's complete lines (and of MaxLineSize pieces of a longer one)
// and returns the rest: the start of a line whose newline has not come yet.
func (c *capture) parse(buf []byte, now time.Time) []byte {
	for {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			break
		}
		c.record(now, buf[:i])
		buf = buf[i+1:]
	}
	for len(buf) >= MaxLineSize {
		c.partial(now, buf[:MaxLineSize])
		buf = buf[MaxLineSize:]
	}
	return buf
}

// record adds one line: P records of MaxLineSize, then the F record of the rest.
func (c *capture) record(now time.Time, line []byte) {
	for len(line) > MaxLineSize {
		c.partial(now, line[:MaxLineSize])
		line = line[MaxLineSize:]
	}
	c.out = AppendRecord(c.out, now, c.stream, false, line)
	c.records++
}

func (c *capture) partial(now time.Time, content []byte) {
	c.out = AppendRecord(c.out, now, c.stream, true, content)
	c.records++
}

// flush writes the records made from raw (the stream's bytes they hold), first telling
// c.mark where they go, if it is set.
func (c *capture) flush(raw []byte) {
	if c.records > 0 {
		c.w.write(c.out, c.records, c.markFor(raw))
	}
	c.out, c.records = c.out[:0], 0
}

func (c *capture) finish(now time.Time) {
	if len(c.pending) > 0 {
		c.partial(now, c.pending)
		c.flush(c.pending)
		c.pending = nil
	}
}
