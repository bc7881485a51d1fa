package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
)

// grpcHealth serves grpc.health.v1.Health/Check over cleartext HTTP/2 with the standard library
// only: SERVING for every service, NOT_SERVING while the file args[1] exists. The wire format is
// gRPC's: a 5-byte prefix (compressed flag, length) before each protobuf message, grpc-status in
// the trailers. The messages have one field each: service (1, string) in, status (1, enum) out.
func grpcHealth(args []string) error {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /grpc.health.v1.Health/Check", func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			return
		}
		status := byte(1) // SERVING
		if len(args) > 1 {
			if _, err := os.Stat(args[1]); err == nil {
				status = 2 // NOT_SERVING
			}
		}
		msg := []byte{0x08, status} // field 1, varint
		w.Header().Set("Content-Type", "application/grpc")
		w.Header().Set("Trailer", "Grpc-Status")
		prefix := make([]byte, 5)
		binary.BigEndian.PutUint32(prefix[1:], uint32(len(msg)))
		w.Write(append(prefix, msg...))
		w.Header().Set("Grpc-Status", "0")
	})
	l, err := net.Listen("tcp", "0.0.0.0:"+args[0])
	if err != nil {
		return err
	}
	fmt.Printf("grpc health on %s\n", l.Addr())
	go exitOnTerm()
	s := &http.Server{Handler: mux, Protocols: new(http.Protocols)}
	s.Protocols.SetUnencryptedHTTP2(true)
	return s.Serve(l)
}
