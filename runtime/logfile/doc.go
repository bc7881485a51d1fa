// Package logfile reads and bounds container log files without ever holding a whole line or a
// whole file in memory. The container writes its log itself (the file is its stdout and stderr,
// opened O_APPEND), so podd is never in the data path; this package only reads the file and,
// when it grows past its cap, punches the oldest data out of it (or, where the filesystem cannot
// punch holes, truncates it).
//
// A capped file keeps its apparent size: its head is a hole, and the data starts at a block
// boundary, usually in the middle of a line. Readers start at the first byte of data
// (SEEK_DATA) and skip that partial line.
package logfile

// blockSize is how much a reader holds at a time: every read, backwards or forwards, uses one
// buffer of this size, whatever the length of the lines or of the file.
const blockSize = 64 << 10
