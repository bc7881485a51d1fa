package api

import "github.com/podd/podd/api/wire"

// frameWriter turns writes into frames of one stream of an exec session, wire.ChunkSize at most
// each.
type frameWriter struct {
	s      *execSession
	stream byte
}

func (f *frameWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		n := min(len(p), wire.ChunkSize)
		if err := f.s.send(f.stream, p[:n]); err != nil {
			return written, err
		}
		written += n
		p = p[n:]
	}
	return written, nil
}
