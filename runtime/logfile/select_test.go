package logfile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeRecords writes a log whose line i has time t0+i s; "long" lines are split into P
// records.
func writeRecords(t testing.TB, lines ...string) string {
	path := filepath.Join(t.TempDir(), "0.log")
	var buf []byte
	for i, l := range lines {
		at := t0.Add(time.Duration(i) * time.Second)
		for len(l) > 4 {
			buf = AppendRecord(buf, at, Stdout, true, []byte(l[:4]))
			l = l[4:]
		}
		buf = AppendRecord(buf, at, Stdout, false, []byte(l))
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func tailOf(t testing.TB, path string, n int64, s Selector) string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	off, err := TailStart(f, st.Size(), n)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := s.Copy(&out, f, off, -1, true); err != nil && err != ErrLimit {
		t.Fatal(err)
	}
	return out.String()
}

func TestTailCountsJoinedLines(t *testing.T) {
	path := writeRecords(t, "one", "two-is-long", "3", "four-long-too")
	for n, want := range map[int64]string{
		-1: "one\ntwo-is-long\n3\nfour-long-too\n",
		0:  "",
		1:  "four-long-too\n",
		2:  "3\nfour-long-too\n",
		3:  "two-is-long\n3\nfour-long-too\n",
		9:  "one\ntwo-is-long\n3\nfour-long-too\n",
	} {
		if got := tailOf(t, path, n, Selector{}); got != want {
			t.Errorf("tail %d: %q, want %q", n, got, want)
		}
	}
}

func TestTailOfLineBeingWritten(t *testing.T) {
	path := writeRecords(t, "done")
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.Write(AppendRecord(nil, t0, Stdout, true, []byte("half")))
	f.Close()
	if got := tailOf(t, path, 1, Selector{}); got != "half" {
		t.Errorf("tail 1: %q, want the line being written", got)
	}
}

func TestSinceTimestampsLimit(t *testing.T) {
	path := writeRecords(t, "a", "bbbbbbbbb", "c")
	got := tailOf(t, path, -1, Selector{Since: t0.Add(time.Second)})
	if got != "bbbbbbbbb\nc\n" {
		t.Errorf("since +1s: %q", got)
	}
	got = tailOf(t, path, 1, Selector{Timestamps: true})
	if got != "2026-11-30T16:31:07.123456789Z c\n" {
		t.Errorf("timestamps: %q", got)
	}
	ts, _, _ := strings.Cut(got, " ")
	if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
		t.Errorf("timestamp %q: %v", ts, err)
	}
	if got = tailOf(t, path, -1, Selector{LimitBytes: 5}); got != "a\nbbb" {
		t.Errorf("limit 5: %q", got)
	}
	// tail first, then since (as the kubelet)
	if got = tailOf(t, path, 2, Selector{Since: t0.Add(2 * time.Second)}); got != "c\n" {
		t.Errorf("tail 2 since +2s: %q", got)
	}
}

// TestPlainLogsReadAsIs: a log written before podd wrote CRI records reads as it is.
func TestPlainLogsReadAsIs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "0.log")
	huge := strings.Repeat("z", 3*blockSize)
	in := "old one\n" + huge + "\nlast without newline"
	os.WriteFile(path, []byte(in), 0o644)
	if got := readAll(t, path, Selector{Timestamps: true}); got != in {
		t.Errorf("plain log: %d bytes %.30q; want it unchanged", len(got), got)
	}
	if got := tailOf(t, path, 1, Selector{}); got != "last without newline" {
		t.Errorf("tail 1 of a plain log: %.30q", got)
	}
}

// TestRotationKeepsAtMostNFiles: past MaxSize the file is renamed <run>.log.<time>; the
// container keeps at most MaxFiles files, the previous run's log among them.
func TestRotationKeepsAtMostNFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "0.log"), []byte("previous run\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "0.log.20260101-000000.000000000"), nil, 0o644)
	w := mustWriter(t, filepath.Join(dir, "1.log"), 1000, 3)
	line := AppendRecord(nil, t0, Stdout, false, []byte(strings.Repeat("r", 100)))
	for i := 0; i < 100; i++ {
		w.Write(line, 1)
		if n, _ := filepath.Glob(filepath.Join(dir, "*")); len(n) > 3 {
			t.Fatalf("after write %d: %d files %v; want at most 3 at any time", i, len(n), n)
		}
	}
	w.Close()
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(names) != 3 {
		t.Fatalf("files %v; want 3", names)
	}
	for _, want := range []string{"0.log", "1.log"} {
		if _, err := os.Stat(filepath.Join(dir, want)); err != nil {
			t.Errorf("%s: %v (files %v)", want, err, names)
		}
	}
	for _, n := range names {
		if st, _ := os.Stat(n); st.Size() > 1000 {
			t.Errorf("%s: %d bytes, over the max size", n, st.Size())
		}
	}
}

// TestFullDiskDropsAndCounts: a failed write drops its records, counts them, says so once,
// and leaves no torn record behind.
func TestFullDiskDropsAndCounts(t *testing.T) {
	f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("/dev/full: %v", err)
	}
	var said []string
	w := &Writer{path: "/dev/full", maxSize: 1 << 30, f: f, logf: func(f string, a ...any) { said = append(said, f) }}
	for i := 0; i < 3; i++ {
		w.Write([]byte("x\ny\n"), 2)
	}
	w.mu.Lock()
	w.f = nil
	w.mu.Unlock()
	f.Close()
	if w.Dropped() != 6 || len(said) != 1 || !strings.Contains(said[0], "dropping") {
		t.Errorf("dropped %d, said %q; want 6 dropped, said once", w.Dropped(), said)
	}
}

// TestRotationNeverHidesTheLog: a reader opening the log's path while the writer rotates it
// again and again always finds a file (podctl logs once answered "no log yet" mid-rotation).
func TestRotationNeverHidesTheLog(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "app")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "0.log")
	w := mustWriter(t, path, 4<<10, 5)
	defer w.Close()
	rec := AppendRecord(nil, time.Now(), Stdout, false, []byte(strings.Repeat("y", 1000)))
	stop := make(chan struct{})
	missing := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				missing <- n
				return
			default:
			}
			if f, err := os.Open(path); err != nil {
				n++
			} else {
				f.Close()
			}
		}
	}()
	for range 3000 { // ~750 rotations
		w.Write(rec, 1)
	}
	close(stop)
	if n := <-missing; n > 0 {
		t.Fatalf("the log's path was missing %d times during rotations", n)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) > 5 {
		t.Fatalf("%d files after the rotations, want at most 5: %v", len(files), files)
	}
}
