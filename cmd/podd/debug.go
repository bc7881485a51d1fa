package main

import (
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"strings"
	"time"
)

// serveDebug serves Go's profiles (net/http/pprof: heap, goroutine, profile, trace...) on addr:
// a unix socket when addr is an absolute path (curl --unix-socket PATH
// http://podd/debug/pprof/heap), otherwise HOST:PORT. "" (the default) serves nothing. The
// endpoint is unauthenticated: a unix socket is created mode 0600 (root only).
func serveDebug(addr string) error {
	if addr == "" {
		// Nobody can ask for a heap profile: stop sampling allocations into the profile's
		// bucket table (it grows with every new allocation site: 1.4 MB reserved).
		runtime.MemProfileRate = 0
		return nil
	}
	l, err := listenDebug(addr)
	if err != nil {
		return fmt.Errorf("--debug-address %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Printf("debug server: %v", err)
		}
	}()
	log.Printf("profiles on %s/debug/pprof/", addr)
	return nil
}

func listenDebug(addr string) (net.Listener, error) {
	if !strings.HasPrefix(addr, "/") {
		return net.Listen("tcp", addr)
	}
	if err := os.Remove(addr); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	l, err := net.Listen("unix", addr)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(addr, 0o600); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}
