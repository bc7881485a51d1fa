package logfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fifoPair makes a FIFO with the container's end (read-write, as podd gives it) and podd's
// non-blocking read end.
func fifoPair(t testing.TB) (container, podd *os.File) {
	path := filepath.Join(t.TempDir(), "stdout.fifo")
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	rfd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	return os.NewFile(uintptr(fd), path), os.NewFile(uintptr(rfd), path)
}

// killedAfterWrite does what a podd killed between writing the pipe's head and taking it out
// did: the records are in the log and the mark, the bytes still in the pipe.
func killedAfterWrite(t *testing.T, r *os.File, w *Writer, m *Mark, cut int64) {
	rc, err := r.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	f := &fifo{rc: rc, c: capture{stream: Stdout, w: w, mark: m}}
	avail, _, err := f.wait()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.stepNoTake(avail); err != nil {
		t.Fatal(err)
	}
	if cut > 0 { // the kill also cut the write short
		w.cutBack(w.size - cut)
	}
}

func (f *fifo) stepNoTake(avail int) error {
	buf := make([]byte, blockSize)
	n, err := f.peek(buf[:min(avail, blockSize)])
	if err != nil {
		return err
	}
	rest := f.c.parse(buf[:n], time.Now())
	f.c.flush(buf[:n-len(rest)])
	return nil
}

// TestCaptureFIFOAcrossKill: after a kill at each point of a step, the resumed capture's log
// holds every line once.
func TestCaptureFIFOAcrossKill(t *testing.T) {
	for _, tc := range []struct {
		name  string
		kill  bool  // killed after the write, before the take
		cut   int64 // ... and the write was cut short by this many bytes
		first string
	}{
		{"clean", false, 0, ""},
		{"after write", true, 0, "a\nbb\n"},
		{"write cut short", true, 7, "a\nbb\n"},
		{"unfinished line left", true, 0, "a\nbb\nunfin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "0.log")
			cw, r := fifoPair(t)
			defer r.Close()
			marks, err := OpenMarks(filepath.Join(dir, "log.mark"), true)
			if err != nil {
				t.Fatal(err)
			}
			defer marks.Close()
			want := "a\nbb\nunfinished\nccc\n"
			if tc.kill {
				cw.WriteString(tc.first)
				w := mustWriter(t, path, 1<<30, 5)
				killedAfterWrite(t, r, w, StreamMark(marks, Stdout), tc.cut)
				w.Close()
				cw.WriteString(strings.TrimPrefix(want, tc.first))
			} else {
				cw.WriteString(want)
			}
			cw.Close()
			w := mustWriter(t, path, 1<<30, 5)
			if err := CaptureFIFO(r, Stdout, w, StreamMark(marks, Stdout), tc.kill); err != nil {
				t.Fatal(err)
			}
			w.Close()
			if got := readAll(t, path, Selector{}); got != want {
				t.Errorf("log holds %q, want %q", got, want)
			}
		})
	}
}

// TestCaptureFIFOUnfinishedAtHangup: output that ends without a newline is written when the
// writers are gone, and a line is never split by when its halves were written.
func TestCaptureFIFOUnfinishedAtHangup(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "0.log")
	cw, r := fifoPair(t)
	defer r.Close()
	marks, _ := OpenMarks(filepath.Join(dir, "log.mark"), true)
	defer marks.Close()
	w := mustWriter(t, path, 1<<30, 5)
	done := make(chan error)
	go func() { done <- CaptureFIFO(r, Stdout, w, StreamMark(marks, Stdout), false) }()
	cw.WriteString("half ")
	cw.WriteString("line\nlast")
	cw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	w.Close()
	raw, _ := os.ReadFile(path)
	if n := strings.Count(string(raw), "\n"); n != 2 {
		t.Errorf("%d records, want 2 (F \"half line\", P \"last\"):\n%s", n, raw)
	}
	if got := readAll(t, path, Selector{}); got != "half line\nlast" {
		t.Errorf("log holds %q", got)
	}
}

// BenchmarkCaptureFIFO: a writer's 64-byte lines through a FIFO into the log, by CaptureFIFO
// (tee, write, take: nothing lost on a kill) and by Capture (read, write), in lines.
func BenchmarkCaptureFIFO(b *testing.B) {
	line := strings.Repeat("x", 63) + "\n"
	block := []byte(strings.Repeat(line, 64))
	for _, mode := range []string{"tee", "read"} {
		b.Run(mode, func(b *testing.B) {
			cw, r := fifoPair(b)
			marks, _ := OpenMarks(filepath.Join(b.TempDir(), "log.mark"), true)
			w := mustWriter(b, filepath.Join(b.TempDir(), "0.log"), 1<<40, 5)
			done := make(chan error)
			go func() {
				if mode == "tee" {
					done <- CaptureFIFO(r, Stdout, w, StreamMark(marks, Stdout), false)
				} else {
					done <- Capture(r, Stdout, w)
				}
			}()
			b.SetBytes(int64(len(line)))
			for i := 0; i < b.N; i += 64 {
				cw.Write(block)
			}
			cw.Close()
			<-done
			w.Close()
			r.Close()
		})
	}
}
