package fdkeep

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A pipe's write end handed to the keeper keeps the pipe open after the caller closed its own
// and went away; Get gives it back, Drop lets the reader see EOF, and the keeper exits once it
// holds nothing; the next Put starts a new one.
func TestKeeperHoldsAndGivesBack(t *testing.T) {
	served := make(chan struct{}, 2)
	c := &Client{Path: filepath.Join(t.TempDir(), "keep.sock"), Start: func(f *os.File) error {
		fd, err := unix.Dup(int(f.Fd()))
		if err != nil {
			return err
		}
		go func() { Serve(fd); served <- struct{}{} }()
		return nil
	}}
	if f, err := c.Get("none"); f != nil || err != nil {
		t.Fatalf("Get with no keeper: %v %v", f, err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := c.Put("pod/c/1", w); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if keys, err := c.Keys(); err != nil || !slices.Equal(keys, []string{"pod/c/1"}) {
		t.Fatalf("Keys: %v %v", keys, err)
	}
	c.Close() // a podd that went away: the keeper keeps what it holds
	back, err := c.Get("pod/c/1")
	if err != nil || back == nil {
		t.Fatalf("Get: %v %v", back, err)
	}
	if _, err := back.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	back.Close()
	buf := make([]byte, 1)
	if n, err := r.Read(buf); n != 1 || err != nil {
		t.Fatalf("read: %d %v", n, err)
	}
	if err := c.Drop("pod/c/1"); err != nil {
		t.Fatal(err)
	}
	if n, err := r.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("after Drop: %d %v, want EOF", n, err)
	}
	select {
	case <-served:
	case <-time.After(10 * time.Second):
		t.Fatal("the keeper did not exit holding nothing")
	}
	if err := c.Put("again", r); err != nil { // a new keeper
		t.Fatal(err)
	}
	if keys, err := c.Keys(); err != nil || !slices.Equal(keys, []string{"again"}) {
		t.Fatalf("Keys of the new keeper: %v %v", keys, err)
	}
	if err := c.Drop("again"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	select {
	case <-served:
	case <-time.After(10 * time.Second):
		t.Fatal("the second keeper did not exit")
	}
}

// TestKeysPastOneMessage: the keys of about 1300 stdin/tty runs (a pod uid, a container name
// and a pid each) no longer fit in one 64 KiB message; Keys still lists every one of them, or a
// restarted podd would never drop what the keeper holds for runs that ended while it was down.
func TestKeysPastOneMessage(t *testing.T) {
	c, w := keeperAndPipe(t)
	var want []string
	for i := range 5000 { // ~300 KiB of keys: past the message size and the socket buffer
		key := fmt.Sprintf("0f8fad5b-d9cb-469f-a165-70867728950e/container-%d/%d", i, 4000000+i)
		if err := c.Put(key, w); err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
		want = append(want, key)
	}
	keys, err := c.Keys()
	if err != nil {
		t.Fatalf("Keys: %v", err)
	}
	slices.Sort(keys)
	slices.Sort(want)
	if !slices.Equal(keys, want) {
		t.Errorf("Keys: %d keys, want %d (the last: %q)", len(keys), len(want), keys[len(keys)-1])
	}
	for _, k := range want {
		if err := c.Drop(k); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPutPastTheKeepersFileLimit: a keeper at its open-file limit cannot take one more
// descriptor (the kernel drops it); Put says so, naming the key, and what it holds already stays
// held.
func TestPutPastTheKeepersFileLimit(t *testing.T) {
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	c, w := keeperAndPipe(t)
	if err := c.Put("first", w); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir("/proc/self/fd")
	low := unix.Rlimit{Cur: uint64(len(entries) + 8), Max: old.Max}
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	var perr error
	for i := 0; i < 100 && perr == nil; i++ {
		perr = c.Put(fmt.Sprintf("uid/c/%d", i), w)
	}
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	if perr == nil || !strings.Contains(perr.Error(), "put uid/c/") || !strings.Contains(perr.Error(), "open-file limit") {
		t.Errorf("Put past the keeper's open-file limit: %v, want an error naming the key and the limit", perr)
	}
	if f, err := c.Get("first"); err != nil || f == nil {
		t.Errorf("Get of what the keeper held before: %v %v", f, err)
	} else {
		f.Close()
	}
}

// keeperAndPipe is a client of a keeper served in this process, and a pipe's write end to hand
// it (both closed at the test's end).
func keeperAndPipe(t *testing.T) (*Client, *os.File) {
	c := &Client{Path: filepath.Join(t.TempDir(), "keep.sock"), Start: func(f *os.File) error {
		fd, err := unix.Dup(int(f.Fd()))
		if err != nil {
			return err
		}
		go Serve(fd)
		return nil
	}}
	t.Cleanup(c.Close)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return c, w
}
