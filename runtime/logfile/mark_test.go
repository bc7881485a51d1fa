package logfile

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// killedStep does one step of a marked stream as the poller does, and stops as a SIGKILL
// would: before the take (taken false) or after it, and with the write cut short by cut bytes
// (-1: the whole write lost, as a kill between the mark and the write).
func killedStep(t *testing.T, fd int, w *Writer, m *Mark, taken bool, cut int64) {
	l := lineSplitter{stream: Stdout, w: w, mark: m}
	step(t, fd, &l, taken, cut)
}

func step(t *testing.T, fd int, l *lineSplitter, taken bool, cut int64) {
	scratch, err := scratchPipe()
	if err != nil {
		t.Fatal(err)
	}
	w := l.w
	buf := make([]byte, blockSize)
	k := copy(buf, l.pending)
	n, err := peek(fd, scratch, buf[k:])
	if err != nil {
		t.Fatal(err)
	}
	before := w.size
	l.feed(buf[:k+n], time.Now(), nil)
	if taken {
		if err := take(fd, buf[k:k+n]); err != nil {
			t.Fatal(err)
		}
	}
	switch {
	case cut < 0:
		w.cutBack(before)
	case cut > 0:
		w.cutBack(w.size - cut)
	}
}

// TestMarkedStreamAcrossKill: whatever step a kill interrupts, the resumed capture's log holds
// every line once, the unfinished one whole.
func TestMarkedStreamAcrossKill(t *testing.T) {
	const want = "a\nbb\nunfinished\nccc\n"
	for _, tc := range []struct {
		name  string
		first string // what the container wrote before the kill
		taken bool
		cut   int64
	}{
		{"after the write", "a\nbb\n", false, 0},
		{"between the mark and the write", "a\nbb\n", false, -1},
		{"write cut short", "a\nbb\n", false, 7},
		{"after the take", "a\nbb\n", true, 0},
		{"unfinished line, before the take", "a\nbb\nunfin", false, 0},
		{"unfinished line, after the take", "a\nbb\nunfin", true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "0.log")
			r, cw := pipe(t)
			marks, err := OpenMarks(filepath.Join(dir, "log.mark"), true)
			if err != nil {
				t.Fatal(err)
			}
			defer marks.Close()
			cw.WriteString(tc.first)
			w := mustWriter(t, path, 1<<30, 5)
			killedStep(t, r, w, StreamMark(marks, Stdout), tc.taken, tc.cut)
			w.Close()
			cw.WriteString(strings.TrimPrefix(want, tc.first))
			cw.Close()

			w = mustWriter(t, path, 1<<30, 5)
			p := mustPoller(t)
			ended := make(chan error, 1)
			src := Source{FD: r, Stream: Stdout, Mark: StreamMark(marks, Stdout), Resume: true}
			if err := p.Add(w, func(err error) { ended <- err }, src); err != nil {
				t.Fatal(err)
			}
			if err := <-ended; err != nil {
				t.Fatal(err)
			}
			w.Close()
			if got := readAll(t, path, Selector{}); got != want {
				t.Errorf("log holds %q, want %q", got, want)
			}
		})
	}
}

// TestMarkedUnfinishedLineOnly: a step that only took more of an unfinished line (no record
// to write) is marked too: a kill after it loses nothing.
func TestMarkedUnfinishedLineOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "0.log")
	r, cw := pipe(t)
	marks, _ := OpenMarks(filepath.Join(dir, "log.mark"), true)
	defer marks.Close()
	w := mustWriter(t, path, 1<<30, 5)
	l := lineSplitter{stream: Stdout, w: w, mark: StreamMark(marks, Stdout)}
	cw.WriteString("a\nunf")
	step(t, r, &l, true, 0)
	cw.WriteString("ini")
	step(t, r, &l, true, 0) // killed after this one
	w.Close()
	cw.WriteString("shed\n")
	cw.Close()
	w = mustWriter(t, path, 1<<30, 5)
	p := mustPoller(t)
	ended := make(chan error, 1)
	if err := p.Add(w, func(err error) { ended <- err }, Source{FD: r, Stream: Stdout, Mark: StreamMark(marks, Stdout), Resume: true}); err != nil {
		t.Fatal(err)
	}
	<-ended
	w.Close()
	if got := readAll(t, path, Selector{}); got != "a\nunfinished\n" {
		t.Errorf("log holds %q", got)
	}
}

// TestPollerMarkedRoundTrip: a marked stream (tee, write, take) reads back exactly, in pieces,
// long lines and an unterminated end included.
func TestPollerMarkedRoundTrip(t *testing.T) {
	p := mustPoller(t)
	for _, in := range []string{
		"a\nbb\n\nccc\n", "a\nunterminated", "head\n" + strings.Repeat("x", 2*MaxLineSize+5) + "\ntail\n",
		strings.Repeat("z\n", 4*blockSize),
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, "0.log")
		marks, _ := OpenMarks(filepath.Join(dir, "log.mark"), true)
		w := mustWriter(t, path, 1<<30, 5)
		r, cw := pipe(t)
		ended := make(chan error, 1)
		if err := p.Add(w, func(err error) { ended <- err }, Source{FD: r, Stream: Stdout, Mark: StreamMark(marks, Stdout)}); err != nil {
			t.Fatal(err)
		}
		go func() {
			for s := in; len(s) > 0; s = s[min(len(s), 3000):] {
				cw.WriteString(s[:min(len(s), 3000)])
			}
			cw.Close()
		}()
		if err := <-ended; err != nil {
			t.Fatal(err)
		}
		w.Close()
		marks.Close()
		if got := readAll(t, path, Selector{}); got != in {
			t.Errorf("read back %d bytes %.40q; want %d bytes %.40q", len(got), got, len(in), in)
		}
	}
}

// BenchmarkPollerCapture: 64-byte lines through a pipe into the log, marked (tee, mark, write,
// take: nothing lost on a kill) and not (read, write).
func BenchmarkPollerCapture(b *testing.B) {
	line := strings.Repeat("x", 63) + "\n"
	block := []byte(strings.Repeat(line, 64))
	for _, marked := range []bool{true, false} {
		b.Run(map[bool]string{true: "marked", false: "plain"}[marked], func(b *testing.B) {
			p := mustPoller(b)
			dir := b.TempDir()
			marks, _ := OpenMarks(filepath.Join(dir, "log.mark"), true)
			defer marks.Close()
			w := mustWriter(b, filepath.Join(dir, "0.log"), 1<<40, 5)
			r, cw := pipe(b)
			src := Source{FD: r, Stream: Stdout}
			if marked {
				src.Mark = StreamMark(marks, Stdout)
			}
			ended := make(chan error, 1)
			if err := p.Add(w, func(err error) { ended <- err }, src); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(line)))
			for i := 0; i < b.N; i += 64 {
				cw.Write(block)
			}
			cw.Close()
			<-ended
			w.Close()
		})
	}
}
