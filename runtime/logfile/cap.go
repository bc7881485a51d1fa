package logfile

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Action is what Cap did to a file.
type Action int

const (
	None      Action = iota
	Punched          // the oldest data was punched out; the size stays, the head is a hole
	Truncated        // the filesystem cannot punch holes (or the size grew huge): emptied
)

// fallocate is unix.Fallocate; tests replace it to play a filesystem without hole punching
// (ramfs).
var fallocate = unix.Fallocate

// maxApparentSize bounds the apparent size a punched file may reach before it is truncated
// instead: ext4 refuses writes past 16 TiB (EFBIG) even to a file that is nearly all hole.
const maxApparentSize = 1 << 40

// Cap keeps the disk space f holds (st_blocks) at or below max while the container keeps
// appending to it: past max, it punches out everything but the newest keep bytes (the cut
// falls on a block boundary, so the filesystem frees whole blocks and the writer's O_APPEND
// offset is untouched). Where holes cannot be punched it truncates f to 0, which bounds the
// disk too but loses the oldest output.
func Cap(f *os.File, max, keep int64) (Action, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return None, fmt.Errorf("stat %s: %w", f.Name(), err)
	}
	return capStat(f, &st, max, keep)
}

// capStat is Cap given the file's fstat.
func capStat(f *os.File, st *unix.Stat_t, max, keep int64) (Action, error) {
	fd := int(f.Fd())
	if st.Size > maxApparentSize {
		return truncate(f)
	}
	if st.Blocks*512 <= max {
		return None, nil
	}
	blk := int64(st.Blksize)
	if blk <= 0 {
		blk = 4096
	}
	lo, err := dataStart(f, st.Size)
	if err != nil {
		return None, err
	}
	lo = lo / blk * blk
	hi := (st.Size - keep) / blk * blk
	if hi <= lo {
		return None, nil
	}
	err = fallocate(fd, unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, lo, hi-lo)
	switch {
	case errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOSYS):
		return truncate(f)
	case err != nil:
		return None, fmt.Errorf("punch hole in %s: %w", f.Name(), err)
	}
	return Punched, nil
}

func truncate(f *os.File) (Action, error) {
	if err := unix.Ftruncate(int(f.Fd()), 0); err != nil {
		return None, fmt.Errorf("truncate %s: %w", f.Name(), err)
	}
	return Truncated, nil
}
