package main

import (
	"errors"
	"fmt"
	"github.com/podd/podd/api"
	"log"
	"net"
	"net/http"
	"net/http/pprof"
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

// listenDebug listens on a unix socket (made as the API's is: mode 0600 from the start, and
// only a stale socket is ever replaced, never another file) or on a loopback TCP address: the
// profiles are unauthenticated, and a profile or trace request costs CPU, so they are never
// served to the network.
func listenDebug(addr string) (net.Listener, error) {
	if strings.HasPrefix(addr, "/") {
		return api.Listen(addr)
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("the profiles are unauthenticated: give a unix socket path or a loopback address (127.0.0.1:PORT, [::1]:PORT), not %q", host)
	}
	return net.Listen("tcp", addr)
}
