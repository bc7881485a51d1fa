package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDebugAddressRefusals: --debug-address never removes a file that is not a socket, never
// serves the unauthenticated profiles to the network, and makes its socket root-only.
func TestDebugAddressRefusals(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "passwd")
	if err := os.WriteFile(file, []byte("root:x:0:0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]string{
		file:             "exists and is not a socket",
		":6060":          "unauthenticated",
		"0.0.0.0:6060":   "unauthenticated",
		"10.1.2.3:6060":  "unauthenticated",
		"example.com:80": "unauthenticated",
		"127.0.0.1":      "missing port",
	} {
		l, err := listenDebug(addr)
		if err == nil {
			l.Close()
			t.Errorf("%q: listened, want an error containing %q", addr, want)
		} else if !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", addr, err, want)
		}
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "root:x:0:0\n" {
		t.Fatalf("the file at the refused path: %q, %v", b, err)
	}
	sock := filepath.Join(dir, "debug.sock")
	l, err := listenDebug(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v, %v: want 0600", fi.Mode(), err)
	}
	l2, err := listenDebug("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l2.Close()
}
