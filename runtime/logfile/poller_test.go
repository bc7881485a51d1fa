package logfile

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// pipe makes a pipe whose read end is non-blocking (for the poller) and whose write end is a
// blocking *os.File, as a container's FIFO.
func pipe(t testing.TB) (int, *os.File) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	if err := unix.SetNonblock(p[0], true); err != nil {
		t.Fatal(err)
	}
	return p[0], os.NewFile(uintptr(p[1]), "pipe")
}

func mustPoller(t testing.TB) *Poller {
	p, err := NewPoller()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// TestPollerRoundTrip: through the poller, stdout and stderr written at once, in pieces, come
// back exactly from the records, P-joined lines and unterminated ends included.
func TestPollerRoundTrip(t *testing.T) {
	long := strings.Repeat("x", 2*MaxLineSize+5)
	p := mustPoller(t)
	for _, tc := range []struct{ name, in string }{
		{"lines", "a\nbb\n\nccc\n"},
		{"no final newline", "a\nunterminated"},
		{"long line", "head\n" + long + "\ntail\n"},
		{"long unterminated", long},
		{"many lines past the read buffer", strings.Repeat("0123456789abcdef\n", 3*blockSize/17)},
		{"tiny lines past the record buffer", strings.Repeat("z\n", 4*blockSize)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			outLog, errLog := filepath.Join(dir, "out.log"), filepath.Join(dir, "err.log")
			wOut, wErr := mustWriter(t, outLog, 1<<30, 5), mustWriter(t, errLog, 1<<30, 5)
			outR, outW := pipe(t)
			errR, errW := pipe(t)
			ended := make(chan error, 2)
			done := func(err error) { ended <- err }
			if err := p.Add(wOut, done, Source{FD: outR, Stream: Stdout}); err != nil {
				t.Fatal(err)
			}
			if err := p.Add(wErr, done, Source{FD: errR, Stream: Stderr}); err != nil {
				t.Fatal(err)
			}
			for _, f := range []*os.File{outW, errW} {
				go func() {
					for s := tc.in; len(s) > 0; s = s[min(len(s), 3000):] {
						f.WriteString(s[:min(len(s), 3000)])
					}
					f.Close()
				}()
			}
			for range 2 {
				if err := <-ended; err != nil {
					t.Fatal(err)
				}
			}
			wOut.Close()
			wErr.Close()
			for _, path := range []string{outLog, errLog} {
				if got := readAll(t, path, Selector{}); got != tc.in {
					t.Errorf("%s read back %d bytes %.40q; want %d bytes %.40q", filepath.Base(path), len(got), got, len(tc.in), tc.in)
				}
			}
		})
	}
	if n := p.Len(); n != 0 {
		t.Errorf("%d streams left in the poller after every stream ended", n)
	}
}

// An idle stream costs its registration and nothing more: no goroutine, no read buffer.
// (The goroutine per stream that captured logs before held ~12 KB per idle stream: its stack,
// a 4 KiB read buffer and its *os.File; see BenchmarkIdleStreams.)
func TestPollerIdleStreamCost(t *testing.T) {
	const n = 500
	p := mustPoller(t)
	path := filepath.Join(t.TempDir(), "0.log")
	w := mustWriter(t, path, 1<<30, 5)
	defer w.Close()
	goroutines := runtime.NumGoroutine()
	per := idleStreamBytes(t, n, path, func(r int, _ *os.File) {
		if err := p.Add(w, func(error) {}, Source{FD: r, Stream: Stdout}); err != nil {
			t.Fatal(err)
		}
	})
	if g := runtime.NumGoroutine() - goroutines; g > 2 {
		t.Errorf("%d idle streams added %d goroutines", n, g)
	}
	if per > 512 {
		t.Errorf("an idle stream costs %.0f bytes (heap and stacks), want < 512", per)
	}
}

// BenchmarkIdleStreams reports the memory (heap and goroutine stacks) an idle captured stream
// costs: 1000 pods hold 2000 of them. goroutine: a goroutine per stream reading into its own
// 4 KiB buffer (which grew when filled), as podd did before the poller; poller: a registration
// in the shared Poller.
func BenchmarkIdleStreams(b *testing.B) {
	path := filepath.Join(b.TempDir(), "0.log")
	w := mustWriter(b, path, 1<<30, 5)
	defer w.Close()
	const n = 1000
	b.Run("goroutine", func(b *testing.B) {
		for range b.N {
			per := idleStreamBytes(b, n, path, func(r int, _ *os.File) {
				f := os.NewFile(uintptr(r), "pipe") // non-blocking: on Go's poller, as podd did
				go goroutineCapture(f, w)
			})
			b.ReportMetric(per, "bytes/stream")
		}
	})
	b.Run("poller", func(b *testing.B) {
		p := mustPoller(b)
		for range b.N {
			per := idleStreamBytes(b, n, path, func(r int, _ *os.File) {
				if err := p.Add(w, func(error) {}, Source{FD: r, Stream: Stdout}); err != nil {
					b.Fatal(err)
				}
			})
			b.ReportMetric(per, "bytes/stream")
		}
	})
}

// goroutineCapture is the capture podd ran before the poller, for BenchmarkIdleStreams.
func goroutineCapture(f *os.File, w *Writer) {
	defer f.Close()
	l := lineSplitter{stream: Stdout, w: w}
	buf := make([]byte, 4<<10)
	var out []byte
	for {
		k := copy(buf, l.pending)
		n, err := f.Read(buf[k:])
		if err != nil {
			return
		}
		out = l.feed(buf[:k+n], time.Now(), out[:0])
	}
}

// idleStreamBytes makes n pipes, captures each with capture, sends a line through each (into
// the log at path) and returns the heap and stack bytes per stream once they are idle. The
// pipes are closed (the captures end) before it returns.
func idleStreamBytes(t testing.TB, n int, path string, capture func(r int, w *os.File)) float64 {
	writers := make([]*os.File, n)
	defer func() {
		for _, f := range writers {
			if f != nil {
				f.Close()
			}
		}
	}()
	lines0 := countLines(path)
	before := inUse()
	for i := range writers {
		r, w := pipe(t)
		writers[i] = w
		w.WriteString("line " + strconv.Itoa(i) + "\n")
		capture(r, w)
	}
	for deadline := time.Now().Add(time.Minute); countLines(path) < lines0+n; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d lines in the log after a minute", countLines(path)-lines0, n)
		}
	}
	return float64(int64(inUse())-int64(before)) / float64(n)
}

func countLines(path string) int {
	data, _ := os.ReadFile(path)
	return strings.Count(string(data), "\n")
}

func inUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}
