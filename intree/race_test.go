package intree

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// swapper swaps dir between a real directory and a symlink to target until stop is set.
func swapper(t *testing.T, dir, target string, stop *atomic.Bool, done chan<- struct{}) {
	real, link := dir+".real", dir+".link"
	must(t, os.Symlink(target, link))
	go func() {
		defer close(done)
		for !stop.Load() {
			_ = os.Rename(dir, real)
			_ = os.Rename(link, dir)
			_ = os.Rename(dir, link)
			_ = os.Rename(real, dir)
		}
	}()
}

// TestSendSwapRace: a directory of the tree swapped again and again with a symlink to a
// directory outside the root never gets the outside's file into the archive.
func TestSendSwapRace(t *testing.T) {
	top := t.TempDir()
	root, outside := filepath.Join(top, "root"), filepath.Join(top, "outside")
	must(t, os.MkdirAll(filepath.Join(root, "t/a"), 0o755))
	must(t, os.WriteFile(filepath.Join(root, "t/a/f"), []byte("inside"), 0o644))
	must(t, os.MkdirAll(outside, 0o755))
	must(t, os.WriteFile(filepath.Join(outside, "f"), []byte("SECRET"), 0o644))
	var stop atomic.Bool
	done := make(chan struct{})
	swapper(t, filepath.Join(root, "t/a"), outside, &stop, done)
	defer func() { stop.Store(true); <-done }()
	for i := 0; i < 300; i++ {
		var b bytes.Buffer
		_ = Send(openDir(t, root), "/t", &b, nil) // a race may fail the copy, never leak
		if strings.Contains(b.String(), "SECRET") {
			t.Fatalf("pass %d: the archive holds the file outside the root", i)
		}
	}
}

// TestReceiveSwapRace: a directory written into, swapped again and again with a symlink to a
// directory outside the root, never gets a file written outside.
func TestReceiveSwapRace(t *testing.T) {
	top := t.TempDir()
	root, outside := filepath.Join(top, "root"), filepath.Join(top, "outside")
	must(t, os.MkdirAll(filepath.Join(root, "d/sub"), 0o755))
	must(t, os.MkdirAll(outside, 0o755))
	var stop atomic.Bool
	done := make(chan struct{})
	swapper(t, filepath.Join(root, "d/sub"), outside, &stop, done)
	defer func() { stop.Store(true); <-done }()
	for i := 0; i < 300; i++ {
		a := archive(t, entry{name: "sub/x", typ: '0', body: "x"}, entry{name: "sub/y", typ: '0', body: "y"})
		_ = Receive(openDir(t, root), "/d", a, Options{})
		if entries, _ := os.ReadDir(outside); len(entries) != 0 {
			t.Fatalf("pass %d: written outside the root: %v", i, entries)
		}
	}
}
