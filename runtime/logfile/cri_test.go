package logfile

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

var t0 = time.Date(2026, 11, 30, 16, 31, 5, 123456789, time.UTC)

func TestRecordFormat(t *testing.T) {
	got := string(AppendRecord(nil, t0, Stdout, false, []byte("line")))
	if want := "2026-11-30T16:31:05.123456789Z stdout F line\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	got = string(AppendRecord(nil, t0.Add(-123456789), Stderr, true, nil))
	if want := "2026-11-30T16:31:05.000000000Z stderr P \n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestParseRecord(t *testing.T) {
	for _, tc := range []struct {
		line    string
		stream  string
		partial bool
		content string
		bad     bool
	}{
		{line: "2026-11-30T16:31:05.123456789Z stdout F line", stream: Stdout, content: "line"},
		{line: "2026-11-30T16:31:05.123456789Z stderr P  two  spaces ", stream: Stderr, partial: true, content: " two  spaces "},
		{line: "2026-11-30T16:31:05Z stdout F", stream: Stdout},
		{line: "2026-11-30T17:31:05.5+01:00 stdout F x", stream: Stdout, content: "x"},
		{line: "plain old line", bad: true},
		{line: "2026-11-30T16:31:05Z stdin F x", bad: true},
		{line: "2026-11-30T16:31:05Z stdout X x", bad: true},
		{line: "2026-11-30T16:31:05Z stdout Fx", bad: true},
		{line: "", bad: true},
	} {
		e, err := ParseRecord([]byte(tc.line))
		if tc.bad {
			if err == nil {
				t.Errorf("%q: parsed %+v; want an error", tc.line, e)
			}
			continue
		}
		if err != nil || e.Stream != tc.stream || e.Partial != tc.partial || string(e.Content) != tc.content {
			t.Errorf("%q: %+v (%q), %v", tc.line, e, e.Content, err)
		}
	}
}

// TestCaptureRoundTrip: what a container prints comes back exactly from the records,
// P-joined lines included.
func TestCaptureRoundTrip(t *testing.T) {
	long := strings.Repeat("x", 2*MaxLineSize+5)
	for _, tc := range []struct{ name, in string }{
		{"lines", "a\nbb\n\nccc\n"},
		{"no final newline", "a\nunterminated"},
		{"long line", "head\n" + long + "\ntail\n"},
		{"exactly max", strings.Repeat("y", MaxLineSize) + "\n"},
		{"long unterminated", long},
		{"many lines past the first buffer", strings.Repeat("0123456789abcdef\n", 3*blockSize/17)},
	} {
		for _, rd := range []struct {
			name string
			wrap func(io.Reader) io.Reader
		}{
			{"whole", func(r io.Reader) io.Reader { return r }},
			{"halves", iotest.HalfReader},
			{"chunks", func(r io.Reader) io.Reader { return &chunkReader{r: r, n: 3000} }},
		} {
			t.Run(tc.name+"/"+rd.name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "0.log")
				w := mustWriter(t, path, 1<<30, 5)
				if err := Capture(rd.wrap(strings.NewReader(tc.in)), Stdout, w); err != nil {
					t.Fatal(err)
				}
				w.Close()
				raw, _ := os.ReadFile(path)
				for _, l := range strings.SplitAfter(string(raw), "\n") {
					if l == "" {
						continue
					}
					if _, err := ParseRecord([]byte(strings.TrimSuffix(l, "\n"))); err != nil || len(l) > MaxLineSize+60 {
						t.Fatalf("record %.60q: %v (%d bytes)", l, err, len(l))
					}
				}
				if got := readAll(t, path, Selector{}); got != tc.in {
					t.Errorf("read back %d bytes %.40q; want %d bytes %.40q", len(got), got, len(tc.in), tc.in)
				}
			})
		}
	}
}

// chunkReader reads at most n bytes at a time, as a pipe hands out what a writer wrote.
type chunkReader struct {
	r io.Reader
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), c.n)]) }

func mustWriter(t testing.TB, path string, size int64, files int) *Writer {
	w, err := OpenWriter(path, size, files, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func readAll(t testing.TB, path string, s Selector) string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	if _, err := s.Copy(&out, f, 0, -1, true); err != nil && err != ErrLimit {
		t.Fatal(err)
	}
	return out.String()
}

func FuzzParseRecord(f *testing.F) {
	f.Add([]byte("2026-11-30T16:31:05.123456789Z stdout F line"))
	f.Add([]byte("2026-11-30T16:31:05Z stderr P "))
	f.Add([]byte("plain"))
	f.Fuzz(func(t *testing.T, line []byte) {
		e, err := ParseRecord(line)
		if err != nil {
			return
		}
		back := AppendRecord(nil, e.Time, e.Stream, e.Partial, e.Content)
		e2, err := ParseRecord(back[:len(back)-1])
		if err != nil || !e2.Time.Equal(e.Time) || e2.Stream != e.Stream || e2.Partial != e.Partial || !bytes.Equal(e2.Content, e.Content) {
			t.Errorf("%q: re-encoded %q parses as %+v, %v", line, back, e2, err)
		}
	})
}

// BenchmarkWriteLine: the cost podd adds to every line a container prints (format, write).
func BenchmarkWriteLine(b *testing.B) {
	w := mustWriter(b, filepath.Join(b.TempDir(), "0.log"), 10<<20, 5)
	defer w.Close()
	line := []byte(strings.Repeat("x", 99) + "\n")
	batch := bytes.Repeat(line, 64)
	l := lineSplitter{stream: Stdout, w: w}
	var out []byte
	b.SetBytes(int64(len(line)))
	b.ResetTimer()
	for i := 0; i < b.N; i += 64 {
		out = l.feed(batch, time.Now(), out[:0])
	}
}

// Between reads a stream holds only the start of an unfinished line: nothing after a read
// that ended with a newline, the unfinished line's bytes otherwise (not the read buffer).
func TestLineSplitterHoldsOnlyTheUnfinishedLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "0.log")
	w := mustWriter(t, path, 1<<30, 5)
	defer w.Close()
	l := lineSplitter{stream: Stdout, w: w}
	buf := make([]byte, blockSize)
	feed := func(s string) {
		k := copy(buf, l.pending)
		n := copy(buf[k:], s)
		l.feed(buf[:k+n], time.Now(), nil)
	}
	feed("one\ntwo\n")
	if l.pending != nil {
		t.Fatalf("after whole lines the stream holds %d bytes, want none", cap(l.pending))
	}
	feed("thr")
	if string(l.pending) != "thr" || cap(l.pending) > 64 {
		t.Fatalf("after an unfinished line the stream holds %q (capacity %d), want \"thr\" alone", l.pending, cap(l.pending))
	}
	feed("ee\n")
	if l.pending != nil {
		t.Fatalf("after the line's end the stream holds %d bytes, want none", cap(l.pending))
	}
	if got := readAll(t, path, Selector{}); got != "one\ntwo\nthree\n" {
		t.Errorf("read back %q", got)
	}
}
