package logfile

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// Position is where a reader starts: Off, and whether the bytes there are the rest of a line
// whose start was cut away (they are skipped up to the next newline).
type Position struct {
	Off     int64
	Partial bool
}

// Tail is where the last lines start, and the end of the file when they were found: a reader
// that does not follow stops there, even while the container keeps writing.
type Tail struct {
	Position
	End int64
}

// dataStart is the offset of the file's first byte of data: 0, or past the hole a cap punched
// at its head; size when the file holds no data at all. Filesystems without SEEK_DATA support
// report the whole file as data (the kernel's generic llseek), so this works everywhere.
func dataStart(f *os.File, size int64) (int64, error) {
	off, err := unix.Seek(int(f.Fd()), 0, unix.SEEK_DATA)
	switch {
	case errors.Is(err, unix.ENXIO):
		return size, nil
	case err != nil:
		return 0, fmt.Errorf("seek data in %s: %w", f.Name(), err)
	}
	return off, nil
}

// TailStart finds where the last n lines of f start (n < 0: all of it; n == 0: the end),
// reading backwards from the end one block at a time: memory is one block, however long the
// lines or the file. A last line without its newline counts as a line. Lines cut by a cap (at
// the start of the data, after a hole) are not counted.
func TailStart(f *os.File, n int64) (Tail, error) {
	st, err := f.Stat()
	if err != nil {
		return Tail{}, fmt.Errorf("stat log: %w", err)
	}
	size := st.Size()
	lo, err := dataStart(f, size)
	if err != nil {
		return Tail{}, err
	}
	var pos Position
	switch {
	case n < 0:
		pos = Position{Off: lo, Partial: lo > 0}
	case n == 0 || lo >= size:
		pos = Position{Off: size}
	default:
		pos, err = scanBack(f, lo, size, n)
	}
	return Tail{Position: pos, End: size}, err
}

// scanBack counts newlines backwards from size down to lo until it has passed n of them.
func scanBack(f *os.File, lo, size, n int64) (Position, error) {
	buf := make([]byte, min(blockSize, size-lo))
	end := size
	if last, err := byteAt(f, buf, size-1); err != nil {
		return Position{}, err
	} else if last == '\n' {
		end-- // the newline that ends the last line does not start another one
	}
	count, earliest := int64(0), int64(-1)
	for pos := end; pos > lo; {
		start := max(lo, pos-int64(len(buf)))
		chunk := buf[:pos-start]
		if _, err := f.ReadAt(chunk, start); err != nil && !errors.Is(err, io.EOF) {
			return Position{}, fmt.Errorf("read log: %w", err)
		}
		for i := len(chunk) - 1; i >= 0; i-- {
			if chunk[i] != '\n' {
				continue
			}
			count++
			earliest = start + int64(i)
			if count == n {
				return Position{Off: earliest + 1}, nil
			}
		}
		pos = start
	}
	switch {
	case lo == 0:
		return Position{Off: 0}, nil
	case earliest >= 0:
		return Position{Off: earliest + 1}, nil // past the line the cap cut
	}
	return Position{Off: size}, nil // nothing but the rest of a cut line
}

func byteAt(f *os.File, buf []byte, off int64) (byte, error) {
	if _, err := f.ReadAt(buf[:1], off); err != nil {
		return 0, fmt.Errorf("read log: %w", err)
	}
	return buf[0], nil
}
