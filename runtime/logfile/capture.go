package logfile

import (
	"bytes"
	"errors"
	"io"
	"time"
)

// Capture reads a container's stream (stdout or stderr) from r until EOF and writes it to w as
// records: one per line, a line longer than MaxLineSize split into P records, and output that
// ends without a newline written as a P record at EOF. Lines read together are written with
// one write (up to blockSize of records) and one timestamp. It holds one read buffer of
// blockSize for the call: podd captures its containers with a Poller instead, which shares one.
func Capture(r io.Reader, stream string, w *Writer) error {
	l := lineSplitter{stream: stream, w: w}
	buf := make([]byte, blockSize)
	var out []byte
	for {
		k := copy(buf, l.pending)
		n, err := r.Read(buf[k:])
		if n > 0 {
			out = l.feed(buf[:k+n], time.Now(), out[:0])
		}
		if errors.Is(err, io.EOF) {
			l.finish(time.Now(), out[:0])
			return nil
		}
		if err != nil {
			l.finish(time.Now(), out[:0])
			return err
		}
	}
}

// lineSplitter turns a stream's bytes into records. Between reads it holds only the start of
// a line whose newline has not come yet (shorter than MaxLineSize: longer ones are written as
// P records as they come), and nothing once a read ended with a newline.
type lineSplitter struct {
	stream  string
	w       *Writer
	pending []byte
	mark    *Mark // nil: records are written as they come (a stream with no Mark)
}

// feed writes the complete lines of data, which starts with what was pending, as records
// (built in out, returned for reuse) and keeps the rest pending. With a mark, the records of
// one feed go in one write, marked first (raw: the pipe bytes data holds after the pending).
func (l *lineSplitter) feed(data []byte, now time.Time, out []byte) []byte {
	raw := data[len(l.pending):]
	records := 0
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		line := data[:i]
		for len(line) > MaxLineSize {
			out = AppendRecord(out, now, l.stream, true, line[:MaxLineSize])
			line, records = line[MaxLineSize:], records+1
		}
		out = AppendRecord(out, now, l.stream, false, line)
		data, records = data[i+1:], records+1
		if len(out) >= blockSize && l.mark == nil {
			l.w.Write(out, records)
			out, records = out[:0], 0
		}
	}
	for len(data) >= MaxLineSize {
		out = AppendRecord(out, now, l.stream, true, data[:MaxLineSize])
		data, records = data[MaxLineSize:], records+1
	}
	switch {
	case records > 0:
		l.w.write(out, records, markFor(l.mark, raw, l.pending, data))
	case l.mark != nil:
		markFor(l.mark, raw, l.pending, data)(0, 0, 0) // only the unfinished line grew
	}
	l.keep(data)
	return out
}

// keep copies the start of a line out of the read buffer; an empty rest frees it.
func (l *lineSplitter) keep(rest []byte) {
	if len(rest) == 0 {
		l.pending = nil
		return
	}
	l.pending = append(l.pending[:0], rest...)
}

// finish writes what is pending as a P record: the stream ended without a newline.
func (l *lineSplitter) finish(now time.Time, out []byte) []byte {
	if len(l.pending) > 0 {
		out = AppendRecord(out, now, l.stream, true, l.pending)
		l.w.write(out, 1, markFor(l.mark, nil, l.pending, nil))
		l.pending = nil
	}
	return out
}
