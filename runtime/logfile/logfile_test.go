package logfile

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/podd/podd/internal/testutil"
	"golang.org/x/sys/unix"
)

func writeFile(t testing.TB, parts ...string) *os.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), "0.log")
	if err := os.WriteFile(path, []byte(strings.Join(parts, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// tail is what `logs --tail n` prints.
func tail(t testing.TB, f *os.File, n int64) string {
	t.Helper()
	pos, err := TailStart(f, n)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := NewTailStream(f, pos).Copy(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestTailLines(t *testing.T) {
	var many strings.Builder
	for i := range 100000 {
		fmt.Fprintf(&many, "line %d\n", i)
	}
	cases := []struct {
		name, text string
		n          int64
		want       string
	}{
		{"empty", "", 3, ""},
		{"all", "a\nb\n", -1, "a\nb\n"},
		{"zero", "a\nb\n", 0, ""},
		{"last", "a\nb\nc\n", 1, "c\n"},
		{"more than there are", "a\nb\n", 10, "a\nb\n"},
		{"no trailing newline", "a\nb\nc", 1, "c"},
		{"no trailing newline, two", "a\nb\nc", 2, "b\nc"},
		{"empty lines", "a\n\n\n", 2, "\n\n"},
		{"only a newline", "\n", 1, "\n"},
		{"many lines", many.String(), 3, "line 99997\nline 99998\nline 99999\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := tail(t, writeFile(t, c.text), c.n); got != c.want {
				t.Errorf("tail %d of %q: got %q, want %q", c.n, trunc(c.text), trunc(got), c.want)
			}
		})
	}
}

func trunc(s string) string {
	if len(s) > 80 {
		return s[:40] + "..." + s[len(s)-40:]
	}
	return s
}

// hashWriter keeps a digest and a count, not the bytes.
type hashWriter struct {
	h interface {
		io.Writer
		Sum([]byte) []byte
	}
	n int64
}

func (w *hashWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return w.h.Write(p)
}

// TestTailOfHugeLineIsBounded: the last line is 50 MB; finding and streaming it must cost a
// block of memory, not the line (the old reader kept the whole line and an offset per line).
func TestTailOfHugeLineIsBounded(t *testing.T) {
	line := strings.Repeat("x", 50<<20) + "\n"
	f := writeFile(t, "first\n", line)
	for _, n := range []int64{1, -1} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		pos, err := TailStart(f, n)
		if err != nil {
			t.Fatal(err)
		}
		w := &hashWriter{h: sha256.New()}
		if _, err := NewTailStream(f, pos).Copy(w); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		want := line
		if n < 0 {
			want = "first\n" + line
		}
		if sum := sha256.Sum256([]byte(want)); w.n != int64(len(want)) || !bytes.Equal(w.h.Sum(nil), sum[:]) {
			t.Errorf("tail %d: got %d bytes (wrong content?), want %d", n, w.n, len(want))
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
			t.Errorf("tail %d of a 50 MB line allocated %d bytes; want < 1 MiB", n, alloc)
		}
	}
}

// punchHead punches [0, n) out of the file at path.
func punchHead(t testing.TB, f *os.File, n int64) {
	t.Helper()
	if err := unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, 0, n); err != nil {
		testutil.Unavailable(t, fmt.Sprintf("this filesystem cannot punch holes: %v", err))
	}
}

func openRW(t testing.TB, f *os.File) *os.File {
	t.Helper()
	w, err := os.OpenFile(f.Name(), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// TestTailSkipsHoleAndCutLine: after a cap punched the head, readers start at the data and
// skip the line the cut fell in.
func TestTailSkipsHoleAndCutLine(t *testing.T) {
	cut := strings.Repeat("a", 8192) + "\n" // punched: the first 4096 bytes go
	f := writeFile(t, cut, "b\n", "c\n")
	punchHead(t, openRW(t, f), 4096)
	for n, want := range map[int64]string{-1: "b\nc\n", 10: "b\nc\n", 2: "b\nc\n", 1: "c\n"} {
		if got := tail(t, f, n); got != want {
			t.Errorf("tail %d: got %q, want %q", n, trunc(got), want)
		}
	}
	// Only a cut line left: nothing to show.
	f = writeFile(t, strings.Repeat("a", 3*4096))
	punchHead(t, openRW(t, f), 4096)
	if got := tail(t, f, 1); got != "" {
		t.Errorf("tail 1 of a cut line: got %q, want nothing", trunc(got))
	}
}

// TestStreamResyncsAfterPunch: a reader behind the cut jumps to the data and skips the cut line
// rather than printing zeros.
func TestStreamResyncsAfterPunch(t *testing.T) {
	f := writeFile(t, strings.Repeat("old\n", 4096), "x", strings.Repeat("y", 3*4096), "\nnew\n")
	s := NewStream(f, Position{})
	punchHead(t, openRW(t, f), 5*4096)
	var b bytes.Buffer
	if _, err := s.Copy(&b); err != nil {
		t.Fatal(err)
	}
	if b.String() != "new\n" {
		t.Errorf("after a punch under the reader: got %q, want %q", trunc(b.String()), "new\n")
	}
}

// TestTailIsASnapshot: logs without -f prints what the log held when asked, however fast the
// container keeps writing (a `yes` container made the old copy endless).
func TestTailIsASnapshot(t *testing.T) {
	f := writeFile(t, "a\nb\n")
	pos, err := TailStart(f, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openRW(t, f).WriteAt([]byte("c\n"), 4); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := NewTailStream(f, pos).Copy(&b); err != nil {
		t.Fatal(err)
	}
	if b.String() != "b\n" {
		t.Errorf("tail 1 then a write: %q, want %q", b.String(), "b\n")
	}
}

func TestFollowStopsWhenDead(t *testing.T) {
	f := writeFile(t, "a\n")
	w := openRW(t, f)
	var b syncBuffer
	done := make(chan error, 1)
	alive := make(chan bool, 1)
	alive <- true
	isAlive := func() bool {
		v := <-alive
		alive <- v
		return v
	}
	go func() {
		done <- NewStream(f, Position{}).Follow(context.Background(), &b, isAlive, 5*time.Millisecond)
	}()
	if _, err := w.WriteAt([]byte("b\n"), 2); err != nil {
		t.Fatal(err)
	}
	<-alive
	alive <- false
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if b.String() != "a\nb\n" {
		t.Errorf("follow: %q", b.String())
	}
}
