package host

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cpTree is a local tree with modes and a symlink; it returns its files' modes and contents.
func cpTree(t *testing.T, dir string) {
	t.Helper()
	for _, step := range []error{
		os.MkdirAll(filepath.Join(dir, "sub"), 0o755),
		os.WriteFile(filepath.Join(dir, "f"), []byte("hello\n"), 0o640),
		os.WriteFile(filepath.Join(dir, "run.sh"), []byte("#!/bin/sh\n"), 0o755),
		os.WriteFile(filepath.Join(dir, "sub/g"), []byte("deep\n"), 0o600),
		os.Symlink("f", filepath.Join(dir, "link")),
		os.Symlink("/", filepath.Join(dir, "slash")),
		os.Chmod(filepath.Join(dir, "sub"), 0o750),
	} {
		if step != nil {
			t.Fatal(step)
		}
	}
}

// treeListing is "name mode [-> target | content]" for each entry under dir.
func treeListing(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b.WriteString(rel + " " + info.Mode().String())
		if info.Mode()&os.ModeSymlink != 0 {
			l, _ := os.Readlink(p)
			b.WriteString(" -> " + l)
		} else if info.Mode().IsRegular() {
			data, _ := os.ReadFile(p)
			b.WriteString(" " + string(data))
		}
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestCpRoundTrip: a tree with modes and symlinks goes into a container and back unchanged
// (links copied as links both ways, "/" included: inside the container it is never followed).
func TestCpRoundTrip(t *testing.T) {
	d := StartPodd(t)
	d.Apply(steadyPod)
	top := t.TempDir()
	src, back := filepath.Join(top, "tree"), filepath.Join(top, "back")
	cpTree(t, src)
	d.MustCtl("cp", src, "steady:/tmp")
	if out := d.MustCtl("exec", "steady", "--", "cat", "/tmp/tree/sub/g"); out != "deep\n" {
		t.Errorf("in the container /tmp/tree/sub/g is %q", out)
	}
	r := d.Ctl("cp", "default/steady:/tmp/tree", back, "-c", "app")
	if r.Code != 0 {
		t.Fatalf("cp back: %s", r)
	}
	if !strings.Contains(r.Stderr, `skipping symlink: "`+back+`/slash" -> "/"`) {
		t.Errorf("cp back did not warn of the link out of the destination: %s", r)
	}
	os.Remove(filepath.Join(src, "slash")) // skipped on the way back, by design
	if got, want := treeListing(t, back), treeListing(t, src); got != want {
		t.Errorf("round trip changed the tree:\n got:\n%s\nwant:\n%s", got, want)
	}
	if r := d.Ctl("cp", "steady:/nope", filepath.Join(top, "x")); r.Code == 0 || !strings.Contains(r.Stderr, "tar: /nope: Cannot stat: No such file or directory") {
		t.Errorf("cp of a missing path: %s", r)
	}
}

// TestCpNeverLeavesContainer: a container path that is a symlink to /etc/shadow reads the
// container's file, not the host's; a container subdir that is a symlink to "/" is resolved
// inside the container, so a copy through it leaves the host's / untouched.
func TestCpNeverLeavesContainer(t *testing.T) {
	d := StartPodd(t)
	d.Apply(steadyPod)
	top := t.TempDir()
	d.MustCtl("exec", "steady", "--", "sh", "-c",
		"echo container-shadow > /etc/shadow && ln -s /etc/shadow /tmp/sh && mkdir /tmp/d && ln -s / /tmp/d/sub && ln -s ../../.. /tmp/d/up")
	got := filepath.Join(top, "sh")
	d.MustCtl("cp", "steady:/tmp/sh", got)
	if data, err := os.ReadFile(got); err != nil || string(data) != "container-shadow\n" {
		t.Errorf("cp steady:/tmp/sh read %q (%v), want the container's /etc/shadow", data, err)
	}
	marker := "podd-cp-test-" + randomHex(6)
	local := filepath.Join(top, "d")
	for _, sub := range []string{"sub", "up"} {
		if err := os.MkdirAll(filepath.Join(local, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(local, sub, marker), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d.MustCtl("cp", local, "steady:/tmp")
	if _, err := os.Lstat("/" + marker); err == nil {
		os.Remove("/" + marker)
		t.Fatalf("cp through a symlink to / wrote the host's /%s", marker)
	}
	if out := d.MustCtl("exec", "steady", "--", "cat", "/"+marker); out != "x" {
		t.Errorf("the container's /%s is %q, want x (written inside the container)", marker, out)
	}
}

// tarEntries is a tar stream of regular files of the given declared sizes (named f0, f1, ...),
// each filled with x up to the size, or, with short, only its header and 512 bytes: a sparse
// bomb's worth (a tiny body that declares a huge file).
func tarEntries(t *testing.T, short bool, sizes ...int64) io.Reader {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for i, n := range sizes {
		if err := tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("f%d", i), Mode: 0o644, Size: n, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if short {
			b.Write(make([]byte, 512))
			return &b
		}
		if _, err := io.Copy(tw, io.LimitReader(fill('x'), n)); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	return &b
}

// TestCpHostileClient: what `cp` into a container extracts is bounded by --max-copy-size (the
// sum of the files' declared sizes, so a body that declares a terabyte is refused before a
// byte is written); podd answers 413 naming the limit, stays up, and nothing past it is written.
func TestCpHostileClient(t *testing.T) {
	d := StartPodd(t, "--max-copy-size=1Mi")
	d.Apply(steadyPod)
	put := "PUT /api/v1/namespaces/default/pods/steady/files?container=app&path=/tmp&name=up"
	for _, tc := range []struct {
		name   string
		length int64
		body   io.Reader
	}{
		{"a file declaring 1 TiB", 1 << 40, tarEntries(t, true, 1<<40)},
		{"three files of 400 KiB", 3*(400<<10+512) + 1024, tarEntries(t, false, 400<<10, 400<<10, 400<<10)},
	} {
		code, st := rawRequest(t, d.Socket, put, "application/x-tar", tc.length, tc.body, 60*time.Second)
		if code != 413 || !strings.Contains(st.Message, "the limit of 1048576 bytes (podd --max-copy-size)") {
			t.Errorf("%s: podd answered %d %q", tc.name, code, st.Message)
		}
		if !d.Running() {
			t.Fatalf("podd died:\n%s", d.poddLog())
		}
	}
	out := d.MustCtl("exec", "steady", "--", "sh", "-c", "ls /tmp/up; du -sk /tmp/up")
	if strings.Contains(out, "f2") || !strings.Contains(out, "f1") {
		t.Errorf("the container's /tmp after the refused copies:\n%s", out)
	}
	big := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(big, make([]byte, 2<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := d.Ctl("cp", big, "steady:/tmp/big"); r.Code != 1 || !strings.Contains(r.Stderr, "copy too large") {
		t.Errorf("podctl cp of 2 MiB: %s", r)
	}
	small := filepath.Join(t.TempDir(), "small")
	if err := os.WriteFile(small, []byte("ok\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d.MustCtl("cp", small, "steady:/tmp/small")
	if out := d.MustCtl("exec", "steady", "--", "cat", "/tmp/small"); out != "ok\n" {
		t.Errorf("a small copy after the refused ones: %q", out)
	}
}
