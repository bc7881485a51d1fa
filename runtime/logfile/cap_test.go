package logfile

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/podd/podd/internal/testutil"
	"golang.org/x/sys/unix"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func allocated(t testing.TB, f *os.File) int64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	return st.Blocks * 512
}

// numbered writes lines "line N" from..to-1, each padded to 100 bytes.
func numbered(from, to int) string {
	var b strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "line %-94d\n", i)
	}
	return b.String()
}

// TestCapBoundsDiskKeepsTail: a 20 MB file capped at 4 MiB holds at most 4 MiB of blocks,
// keeps its size (the writer's offset) and its newest lines intact.
func TestCapBoundsDiskKeepsTail(t *testing.T) {
	const lines = 200000 // 20 MB
	path := filepath.Join(t.TempDir(), "0.log")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(numbered(0, lines)); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil { // delayed allocation would hide the blocks
		t.Fatal(err)
	}
	const max = 4 << 20
	act, err := Cap(f, max, max/2)
	if err != nil {
		t.Fatal(err)
	}
	if act != Punched {
		testutil.Unavailable(t, fmt.Sprintf("the filesystem of %s cannot punch holes: Cap did %v", path, act))
	}
	if got := allocated(t, f); got > max {
		t.Errorf("after Cap(%d): %d bytes allocated", max, got)
	}
	if st, _ := f.Stat(); st.Size() != lines*100 {
		t.Errorf("size after Cap: %d, want %d (kept)", st.Size(), lines*100)
	}
	if got, want := tail(t, f, 3), numbered(lines-3, lines); got != want {
		t.Errorf("tail 3 after Cap: %q, want %q", got, want)
	}
	all := tail(t, f, -1)
	if n := strings.Count(all, "\n"); n < (max/2-8192)/100 || !strings.HasPrefix(all, "line ") || !strings.HasSuffix(all, numbered(lines-1, lines)) {
		t.Errorf("the whole log after Cap: %d lines, starting %q; want the newest >= %d whole lines", n, trunc(all), (max/2-8192)/100)
	}
	// Appending goes on at the end, and a second Cap is a no-op until the cap is passed again.
	if _, err := f.WriteString("after\n"); err != nil {
		t.Fatal(err)
	}
	if act, err := Cap(f, max, max/2); err != nil || act != None {
		t.Errorf("second Cap: %v, %v; want None", act, err)
	}
	if got := tail(t, f, 1); got != "after\n" {
		t.Errorf("tail 1 after appending: %q", got)
	}
}

// TestWatcherBoundsFastWriter: a writer appending ~100 MB/s (busybox `yes` into a log does
// ~70 here) never holds much more than the cap on disk while the watcher runs: about what it
// writes in a HotInterval (inotify) or, without inotify, in a full pass.
func TestWatcherBoundsFastWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "0.log")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const max = 1 << 20
	w := &Watcher{Max: max, List: func() []string { return []string{path} }, Logf: t.Logf}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	chunk := []byte(strings.Repeat("y\n", 512<<10)) // 1 MiB
	var peak, written int64
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); <-tick.C {
		if _, err := f.Write(chunk); err != nil {
			t.Fatal(err)
		}
		written += int64(len(chunk))
		peak = max64(peak, allocated(t, f))
	}
	time.Sleep(300 * time.Millisecond)
	final := allocated(t, f)
	t.Logf("wrote %d MiB; peak allocation %d KiB, final %d KiB", written>>20, peak>>10, final>>10)
	if final > max {
		t.Errorf("after the writer stopped: %d bytes allocated, cap %d", final, max)
	}
	if final == 0 {
		t.Errorf("no data left at all")
	}
	if slack := int64(24 << 20); peak > max+slack {
		t.Errorf("peak allocation %d > cap %d + slack %d", peak, max, slack)
	}
}

// TestCapTruncatesWithoutHoles: where holes cannot be punched (ramfs), Cap empties the file;
// the writer goes on at offset 0 (O_APPEND) and a reader that was past the new end restarts
// there.
func TestCapTruncatesWithoutHoles(t *testing.T) {
	fallocate = func(int, uint32, int64, int64) error { return unix.EOPNOTSUPP }
	defer func() { fallocate = unix.Fallocate }()
	path := filepath.Join(t.TempDir(), "0.log")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(numbered(0, 30000)); err != nil { // 3 MB
		t.Fatal(err)
	}
	f.Sync()
	r, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s := NewStream(r, Position{})
	if _, err := s.Copy(io.Discard); err != nil {
		t.Fatal(err)
	}
	var logs []string
	w := &Watcher{Max: 1 << 20, List: func() []string { return []string{path} },
		Logf: func(format string, a ...any) { logs = append(logs, fmt.Sprintf(format, a...)) }}
	w.Pass()
	if got := allocated(t, f); got != 0 {
		t.Errorf("after the fallback: %d bytes allocated, want 0", got)
	}
	if _, err := f.WriteString("after\n"); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := s.Copy(&b); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Copy(&b); err != nil {
		t.Fatal(err)
	}
	if b.String() != "after\n" {
		t.Errorf("reader after the truncation: %q, want %q", b.String(), "after\n")
	}
	f.WriteString(numbered(0, 30000))
	w.Pass()
	w.closeAll()
	if len(logs) != 1 || !strings.Contains(logs[0], "cannot punch holes") {
		t.Errorf("watcher logs: %q; want one line about the fallback", logs)
	}
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func BenchmarkTailStart(b *testing.B) {
	f := writeFile(b, numbered(0, 1000000)) // 100 MB
	b.ResetTimer()
	for range b.N {
		if _, err := TailStart(f, 100); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWatcherPass2000 is one full pass over 2000 idle log files (the watcher does one
// every 250 ms).
func BenchmarkWatcherPass2000(b *testing.B) {
	dir := b.TempDir()
	paths := make([]string, 2000)
	for i := range paths {
		paths[i] = filepath.Join(dir, fmt.Sprintf("%d.log", i))
		if err := os.WriteFile(paths[i], []byte("hello\n"), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	w := &Watcher{Max: 10 << 20, List: func() []string { return paths }}
	w.Pass() // opens them
	b.ResetTimer()
	for range b.N {
		w.Pass()
	}
	b.StopTimer()
	w.closeAll()
}
