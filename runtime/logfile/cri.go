package logfile

import (
	"bytes"
	"errors"
	"fmt"
	"time"
)

// MaxLineSize is the most content one record holds, as the kubelet's 16 KiB: a longer line is
// split into partial (P) records and a final (F) one.
const MaxLineSize = 16 << 10

// TimeFormat is the timestamp of a record: RFC 3339 with nanoseconds, fixed width (so the
// records of a file sort as text) and always UTC.
const TimeFormat = "2006-01-02T15:04:05.000000000Z07:00"

// Stream names, as in the CRI format.
const (
	Stdout = "stdout"
	Stderr = "stderr"
)

// Entry is one record of a log file.
type Entry struct {
	Time    time.Time
	Stream  string
	Partial bool   // P: the line goes on in the next record of the same stream
	Content []byte // without the newline; aliases the parsed line
}

// AppendRecord appends the record of content (without its newline) to buf, newline included.
func AppendRecord(buf []byte, t time.Time, stream string, partial bool, content []byte) []byte {
	buf = t.UTC().AppendFormat(buf, TimeFormat)
	buf = append(buf, ' ')
	buf = append(buf, stream...)
	if partial {
		buf = append(buf, " P "...)
	} else {
		buf = append(buf, " F "...)
	}
	buf = append(buf, content...)
	return append(buf, '\n')
}

// ErrNotCRI is returned by ParseRecord for a line that is not a CRI record (a log written
// before podd wrote the CRI format holds plain lines).
var ErrNotCRI = errors.New("not a CRI log record")

// ParseRecord reads one record, line without its newline. The entry's Content aliases line.
func ParseRecord(line []byte) (Entry, error) {
	var e Entry
	i := bytes.IndexByte(line, ' ')
	if i < 0 {
		return e, fmt.Errorf("%w: no timestamp", ErrNotCRI)
	}
	t, err := time.Parse(time.RFC3339Nano, string(line[:i]))
	if err != nil {
		return e, fmt.Errorf("%w: timestamp: %v", ErrNotCRI, err)
	}
	rest := line[i+1:]
	j := bytes.IndexByte(rest, ' ')
	if j < 0 {
		return e, fmt.Errorf("%w: no stream", ErrNotCRI)
	}
	switch s := string(rest[:j]); s {
	case Stdout, Stderr:
		e.Stream = s
	default:
		return e, fmt.Errorf("%w: stream %q", ErrNotCRI, s)
	}
	rest = rest[j+1:]
	if len(rest) < 1 || (rest[0] != 'P' && rest[0] != 'F') || (len(rest) > 1 && rest[1] != ' ') {
		return e, fmt.Errorf("%w: tag", ErrNotCRI)
	}
	e.Time, e.Partial = t, rest[0] == 'P'
	if len(rest) > 1 {
		e.Content = rest[2:]
	} else {
		e.Content = rest[1:]
	}
	return e, nil
}
