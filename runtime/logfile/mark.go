package logfile

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// A Mark makes a stream's capture survive a podd killed at any moment without losing or
// repeating output. Before each write of records the Poller notes where they go, which bytes
// of the pipe they come from (it takes them out of the pipe only after the write), and the
// unfinished line it held before and holds after them (the pipe no longer has it). A restarted
// podd reads the mark back (Source.Resume): it takes out of the pipe a head already written
// and carries on with the right unfinished line. The two streams of a run share one file.
type Mark struct {
	f   *os.File
	off int64
}

const (
	markMagic  = 0x326b726d // "mrk2"
	markHeader = 48
	markRegion = 64 << 10 // a stream's room: the header and two unfinished lines (< MaxLineSize)
)

// OpenMarks opens (or makes) a run's mark file, emptied when the run is new: the marks of a
// previous run describe pipes that no longer exist.
func OpenMarks(path string, fresh bool) (*os.File, error) {
	flags := os.O_CREATE | os.O_RDWR
	if fresh {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		return nil, fmt.Errorf("log mark: %w", err)
	}
	return f, nil
}

// StreamMark is the mark of a stream (Stdout or Stderr) in a run's mark file.
func StreamMark(f *os.File, stream string) *Mark {
	if stream == Stderr {
		return &Mark{f: f, off: markRegion}
	}
	return &Mark{f: f}
}

// markRec is one step of a stream: the pipe bytes taken (their count and crc32), the records
// made of them (at off in the log file with inode ino, size bytes), and the unfinished line
// before and after.
type markRec struct {
	crc, raw  uint32
	ino       uint64
	off, size int64
	before    []byte
	after     []byte
}

func (m *Mark) put(r markRec) {
	b := make([]byte, markHeader, markHeader+len(r.before)+len(r.after))
	le := binary.LittleEndian
	le.PutUint32(b[0:], markMagic)
	le.PutUint32(b[4:], r.crc)
	le.PutUint32(b[8:], r.raw)
	le.PutUint32(b[12:], uint32(len(r.before)))
	le.PutUint32(b[16:], uint32(len(r.after)))
	le.PutUint64(b[24:], r.ino)
	le.PutUint64(b[32:], uint64(r.off))
	le.PutUint64(b[40:], uint64(r.size))
	b = append(append(b, r.before...), r.after...)
	_, _ = m.f.WriteAt(b, m.off) // a lost mark costs at most one step repeated after a crash
}

func (m *Mark) get() (markRec, bool) {
	var h [markHeader]byte
	le := binary.LittleEndian
	if _, err := m.f.ReadAt(h[:], m.off); err != nil || le.Uint32(h[0:]) != markMagic {
		return markRec{}, false
	}
	r := markRec{crc: le.Uint32(h[4:]), raw: le.Uint32(h[8:]), ino: le.Uint64(h[24:]),
		off: int64(le.Uint64(h[32:])), size: int64(le.Uint64(h[40:]))}
	nb, na := le.Uint32(h[12:]), le.Uint32(h[16:])
	if nb >= MaxLineSize || na >= MaxLineSize {
		return markRec{}, false
	}
	tails := make([]byte, nb+na)
	if _, err := m.f.ReadAt(tails, m.off+markHeader); err != nil {
		return markRec{}, false
	}
	r.before, r.after = tails[:nb:nb], tails[nb:]
	return r, true
}

// resume works out, from the stream's mark, where a killed podd left it: the unfinished line
// to carry on with, and how many bytes at the pipe's head are already in the log (take them
// out when the head's crc matches; else the container wrote on and they were taken).
func (m *Mark) resume(w *Writer) (pending []byte, written markRec, ok bool) {
	r, ok := m.get()
	if !ok {
		return nil, markRec{}, false
	}
	size, current, found := w.written(r.ino)
	switch {
	case r.size > 0 && found && size <= r.off:
		return r.before, markRec{}, false // the step's write never happened: do it again
	case r.size > 0 && found && size < r.off+r.size:
		if current {
			w.cutBack(r.off) // cut short by the kill: written again whole
		}
		return r.before, markRec{}, false
	}
	// Written (a file no longer found was rotated away by later writes), or a step that only
	// took the start of a line: either way its head, if still in the pipe, is accounted for.
	return r.after, r, true
}

func markFor(m *Mark, raw []byte, before, after []byte) func(ino uint64, off int64, n int) {
	if m == nil {
		return nil
	}
	return func(ino uint64, off int64, n int) {
		m.put(markRec{crc: crc32.ChecksumIEEE(raw), raw: uint32(len(raw)), ino: ino, off: off,
			size: int64(n), before: before, after: after})
	}
}

func inode(st fs.FileInfo) uint64 {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return s.Ino
	}
	return 0
}

// written tells how much of the file with inode ino exists: the log or one of its rotated
// files. current: it is the file the writer appends to.
func (w *Writer) written(ino uint64) (size int64, current, found bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ino == w.ino {
		return w.size, true, true
	}
	rotated, _ := filepath.Glob(w.path + ".*")
	for _, p := range rotated {
		if st, err := os.Stat(p); err == nil && inode(st) == ino {
			return st.Size(), false, true
		}
	}
	return 0, false, false
}

// cutBack truncates the current file to off: records a kill cut short are written again whole.
func (w *Writer) cutBack(off int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if off < w.size && w.f.Truncate(off) == nil {
		w.size = off
	}
}
