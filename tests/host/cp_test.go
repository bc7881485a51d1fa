package host

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
