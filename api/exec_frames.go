package api

import "github.com/podd/podd/api/wire"

// frameWriter turns writes into frames of one stream of an exec session, wire.ChunkSize at most
// each.
type frameWriter struct {
	s      *execSession
	stream byte
}

func (f *frameWriter) Write(p []byte) (int, error) {
	return wire.WriteChunks(func(chunk []byte) error { return f.s.send(f.stream, chunk) }, p)
}
