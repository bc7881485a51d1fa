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

// A Mark records, before each write of a stream's records, where they go and which bytes of
// the stream they hold: a podd killed between writing them and taking those bytes out of the
// container's pipe finds out, once restarted, that the pipe's head is already in the log.
// The two streams of a run share one small file, each at its own offset.
type Mark struct {
	f   *os.File
	off int64
}

// markSize is one stream's record: magic, crc32 of the bytes, their count, and the log file's
// inode, offset and length of the records written.
const (
	markSize  = 40
	markMagic = 0x6b72616d // "mark"
)

// OpenMarks opens (or makes) a run's mark file, fresh when the run is new: the marks of a
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

// StreamMark is the mark of a stream (Stdout or Stderr) in the run's mark file.
func StreamMark(f *os.File, stream string) *Mark {
	if stream == Stderr {
		return &Mark{f: f, off: markSize}
	}
	return &Mark{f: f, off: 0}
}

type markRec struct {
	crc       uint32
	raw       uint32 // the stream bytes the records hold
	ino       uint64
	off, size int64 // where the records went in the file with inode ino, and their length
}

// markFor returns what flush calls to record the write of raw's records, or nil.
func (c *capture) markFor(raw []byte) func(ino uint64, off int64, n int) {
	if c.mark == nil {
		return nil
	}
	return func(ino uint64, off int64, n int) {
		c.mark.put(markRec{crc: crc32.ChecksumIEEE(raw), raw: uint32(len(raw)), ino: ino, off: off, size: int64(n)})
	}
}

func (m *Mark) put(r markRec) {
	var b [markSize]byte
	binary.LittleEndian.PutUint32(b[0:], markMagic)
	binary.LittleEndian.PutUint32(b[4:], r.crc)
	binary.LittleEndian.PutUint32(b[8:], r.raw)
	binary.LittleEndian.PutUint64(b[16:], r.ino)
	binary.LittleEndian.PutUint64(b[24:], uint64(r.off))
	binary.LittleEndian.PutUint64(b[32:], uint64(r.size))
	_, _ = m.f.WriteAt(b[:], m.off) // a lost mark costs at most a duplicated chunk after a crash
}

func (m *Mark) get() (markRec, bool) {
	var b [markSize]byte
	if _, err := m.f.ReadAt(b[:], m.off); err != nil || binary.LittleEndian.Uint32(b[0:]) != markMagic {
		return markRec{}, false
	}
	return markRec{
		crc: binary.LittleEndian.Uint32(b[4:]), raw: binary.LittleEndian.Uint32(b[8:]),
		ino: binary.LittleEndian.Uint64(b[16:]), off: int64(binary.LittleEndian.Uint64(b[24:])),
		size: int64(binary.LittleEndian.Uint64(b[32:])),
	}, true
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
