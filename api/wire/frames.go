// Package wire is what podd's API server and its client must agree on besides the Kubernetes
// types: the exec stream's framing and upgrade token, and podd's own response headers. It
// imports only the standard library.
package wire

import (
	"encoding/binary"
	"fmt"
	"io"
)

// ExecProtocol is the Upgrade token of an exec connection.
const ExecProtocol = "podd-exec"

// PortForwardProtocol is the Upgrade token of a port-forward connection: one connection to
// podd per forwarded TCP connection; after the 101 answer it carries that connection's bytes
// as they are, both ways, and a half-close (shutdown of the writing side) of either end.
const PortForwardProtocol = "podd-portforward"

// PortForwardHandOver is the request header by which a port-forward client on podd's unix socket
// asks for the pod's socket itself: podd then answers 101 with this header set to "socket" and
// the TCP socket it dialled in the pod attached (SCM_RIGHTS) to the answer's bytes, and closes
// the API connection. The client copies between its connection and the pod's directly, one hop
// less than through podd. Without it (or on an answer without it) the bytes go through podd.
const PortForwardHandOver = "Podd-Forward-Hand-Over"

// ApplyResultHeader names the response header of an apply: "created", "configured" or
// "unchanged" (created is also told by the status code, 201, the others are 200).
const ApplyResultHeader = "Podd-Apply-Result"

// An exec connection, after the 101 answer, carries frames both ways: 1 byte stream id, 4 bytes
// big-endian payload length, payload. The client sends stdin (a zero-length stdin frame is EOF);
// the server sends stdout, stderr and, last, the exit status or an error.
const (
	StreamStdin  byte = 0
	StreamStdout byte = 1
	StreamStderr byte = 2
	StreamExit   byte = 3 // payload: the exit code in decimal
	StreamError  byte = 4 // payload: error text; the command did not run or was lost
)

const (
	frameHeaderLen  = 5
	maxFramePayload = 1 << 20 // readers refuse more; writers send at most ChunkSize
	// ChunkSize is the largest payload a writer puts in one frame.
	ChunkSize = 32 << 10
)

// WriteFrame sends one frame in a single Write.
func WriteFrame(w io.Writer, stream byte, p []byte) error {
	buf := make([]byte, frameHeaderLen, frameHeaderLen+len(p))
	putFrameHeader(buf, stream, len(p))
	_, err := w.Write(append(buf, p...))
	return err
}

// FrameHeader is the header of a frame of n bytes on stream, for a writer that buffers (so
// the header and the payload may go in two writes, with no copy of the payload).
func FrameHeader(stream byte, n int) []byte {
	buf := make([]byte, frameHeaderLen)
	putFrameHeader(buf, stream, n)
	return buf
}

func putFrameHeader(buf []byte, stream byte, n int) {
	buf[0] = stream
	binary.BigEndian.PutUint32(buf[1:frameHeaderLen], uint32(n))
}

// ReadFrame reads one frame; io.EOF only when the stream ends between frames.
func ReadFrame(r io.Reader) (stream byte, p []byte, err error) {
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

// SendFrames copies r to w as frames of one stream, then sends the zero-length frame (EOF).
func SendFrames(w io.Writer, stream byte, r io.Reader) error {
	buf := make([]byte, ChunkSize)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if werr := WriteFrame(w, stream, buf[:n]); werr != nil {
				return werr
			}
		}
		if err != nil {
			return WriteFrame(w, stream, nil)
		}
	}
}

// WriteChunks sends p through send in pieces of ChunkSize at most (one frame each), as an
// io.Writer's Write: it returns how much was sent.
func WriteChunks(send func([]byte) error, p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		n := min(len(p), ChunkSize)
		if err := send(p[:n]); err != nil {
			return written, err
		}
		written += n
		p = p[n:]
	}
	return written, nil
}
