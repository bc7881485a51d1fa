package mounts

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func TestOpenSubPathRefusesEscapes(t *testing.T) {
	vol := t.TempDir()
	outside := t.TempDir()
	must(t, os.Mkdir(filepath.Join(vol, "real"), 0o755))
	must(t, os.Symlink("/", filepath.Join(vol, "abs")))
	must(t, os.Symlink("../../../../../..", filepath.Join(vol, "up")))
	must(t, os.Symlink(outside, filepath.Join(vol, "out")))
	must(t, os.Symlink("real", filepath.Join(vol, "inside")))
	for _, sub := range []string{"abs", "abs/etc", "up", "out", "real/../../x", "../x"} {
		if h, err := OpenSubPath(vol, sub); !errors.Is(err, ErrSubPathEscape) {
			if h != nil {
				h.Close()
			}
			t.Errorf("subPath %q: got %v, want ErrSubPathEscape", sub, err)
		}
	}
	if _, err := os.Stat(filepath.Join(outside, "x")); err == nil {
		t.Error("a refused subPath created something outside the volume")
	}
	for _, sub := range []string{"real", "inside", "new/dir"} {
		h, err := OpenSubPath(vol, sub)
		if err != nil {
			t.Errorf("subPath %q: %v", sub, err)
			continue
		}
		h.Close()
	}
	if st, err := os.Stat(filepath.Join(vol, "new", "dir")); err != nil || !st.IsDir() {
		t.Errorf("a missing subPath is created as a directory: %v", err)
	}
}

// TestOpenSubPathSymlinkSwap races a writer that keeps replacing the subPath directory with a
// symlink to / (what a container sharing the volume can do) against OpenSubPath: every handle
// it returns must be inside the volume.
func TestOpenSubPathSymlinkSwap(t *testing.T) {
	vol := t.TempDir()
	d := filepath.Join(vol, "d")
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !stop.Load() {
			_ = os.Mkdir(d, 0o755)
			_ = os.Remove(d)
			_ = os.Symlink("/", d)
			_ = os.Remove(d)
		}
	}()
	opened := 0
	for range 3000 {
		h, err := OpenSubPath(vol, "d")
		if err != nil {
			continue
		}
		opened++
		target, _ := os.Readlink(fdPath(h))
		h.Close()
		if !strings.HasPrefix(target, vol+"/") {
			t.Fatalf("subPath d opened %q, outside the volume %s", target, vol)
		}
	}
	stop.Store(true)
	<-done
	t.Logf("%d of 3000 opens succeeded, all inside the volume", opened)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
