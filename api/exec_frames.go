package api

import (
	"encoding/binary"
	"fmt"
	"io"
)

// An exec connection, after the 101 answer, carries frames both ways: 1 byte stream id, 4 bytes
// big-endian payload length, payload. The client sends stdin (a zero-length stdin frame is EOF);
// the server sends stdout, stderr and, last, the exit status or an error.
const (
	streamStdin  byte = 0
	streamStdout byte = 1
	streamStderr byte = 2
	streamExit   byte = 3 // payload: the exit code in decimal
	streamError  byte = 4 // payload: error text; the command did not run or was lost
)

const (
	frameHeaderLen  = 5
	maxFramePayload = 1 << 20 // readers refuse more; writers send at most chunkSize
	chunkSize       = 32 << 10
)

// writeFrame sends one frame in a single Write.
func writeFrame(w io.Writer, stream byte, p []byte) error {
	buf := make([]byte, frameHeaderLen+len(p))
	buf[0] = stream
	binary.BigEndian.PutUint32(buf[1:frameHeaderLen], uint32(len(p)))
	copy(buf[frameHeaderLen:], p)
	_, err := w.Write(buf)
	return err
}

// readFrame reads one frame; io.EOF only when the stream ends between frames.
func readFrame(r io.Reader) (stream byte, p []byte, err error) {
	var hdr [frameHeaderLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n > maxFramePayload {
		return 0, nil, fmt.Errorf("exec frame of %d bytes exceeds %d", n, maxFramePayload)
	}
	p = make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, fmt.Errorf("read exec frame: %w", err)
	}
	return hdr[0], p, nil
}

// frameWriter turns writes into frames of one stream of an exec session, chunkSize at most each.
type frameWriter struct {
	s      *execSession
	stream byte
}

func (f *frameWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		n := min(len(p), chunkSize)
		if err := f.s.send(f.stream, p[:n]); err != nil {
			return written, err
		}
		written += n
		p = p[n:]
	}
	return written, nil
}

// sendFrames copies r to w as frames of one stream, then sends the zero-length frame (EOF).
func sendFrames(w io.Writer, stream byte, r io.Reader) error {
	buf := make([]byte, chunkSize)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if werr := writeFrame(w, stream, buf[:n]); werr != nil {
				return werr
			}
		}
		if err != nil {
			return writeFrame(w, stream, nil)
		}
	}
}
