// Package logfile owns container log files in the CRI format the kubelet reads
// (`2026-11-30T16:31:05.123456789Z stdout F line`): capturing a container's stdout and stderr
// pipes into them (Poller: one epoll loop for every stream; Capture: one io.Reader), rotating
// them at a size and keeping a bounded number of files (Writer), and reading them back for
// `logs` (Reader, TailStart, Follow).
//
// Every reader and writer holds a bounded buffer whatever the length of the lines or of the
// files: a line longer than MaxLineSize is stored as several partial (P) records and joined
// back on read.
package logfile

// blockSize is the buffer a reader holds: every read, backwards or forwards, uses one buffer
// of this size, whatever the length of the lines or of the file.
const blockSize = 64 << 10
