package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/layout"
)

func makeTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	mustDo(t, os.MkdirAll(filepath.Join(root, "b/sub"), 0o755))
	mustDo(t, os.Mkdir(filepath.Join(root, "a"), 0o700))
	mustDo(t, os.WriteFile(filepath.Join(root, "b/sub/f"), []byte("hello"), 0o644))
	mustDo(t, os.Chmod(filepath.Join(root, "b/sub/f"), 0o755|os.ModeSetuid))
	mustDo(t, os.Link(filepath.Join(root, "b/sub/f"), filepath.Join(root, "b/link")))
	mustDo(t, os.Symlink("sub/f", filepath.Join(root, "b/sym")))
	mustDo(t, syscall.Mkfifo(filepath.Join(root, "fifo"), 0o600))
	return root
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestDeterministicAndReplaced(t *testing.T) {
	root := makeTree(t)
	out := filepath.Join(t.TempDir(), "img")
	o, err := parseFlags([]string{"-rootfs", root, "-o", out, "-tag", "v1", "-cmd", "/bin/sh,-c,echo hi",
		"-env", "A=1,B=2", "-workdir", "/srv"})
	mustDo(t, err)
	mustDo(t, run(o))
	first, err := os.ReadFile(filepath.Join(out, "index.json"))
	mustDo(t, err)
	mustDo(t, os.Chtimes(filepath.Join(root, "b/sub/f"), time.Now(), time.Now())) // mtimes don't matter
	mustDo(t, run(o))
	second, err := os.ReadFile(filepath.Join(out, "index.json"))
	mustDo(t, err)
	if !bytes.Equal(first, second) {
		t.Errorf("index.json differs between runs:\n%s\n%s", first, second)
	}
	if left, _ := filepath.Glob(out + ".tmp-*"); len(left) != 0 {
		t.Errorf("temporary layouts left: %q", left)
	}
	checkImage(t, out)
}

func checkImage(t *testing.T, out string) {
	t.Helper()
	idx, err := layout.ImageIndexFromPath(out)
	mustDo(t, err)
	im, err := idx.IndexManifest()
	mustDo(t, err)
	if len(im.Manifests) != 1 || im.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != "v1" {
		t.Fatalf("index manifests = %+v", im.Manifests)
	}
	img, err := idx.Image(im.Manifests[0].Digest)
	mustDo(t, err)
	cf, err := img.ConfigFile()
	mustDo(t, err)
	c := cf.Config
	if !slices.Equal(c.Cmd, []string{"/bin/sh", "-c", "echo hi"}) || !slices.Equal(c.Env, []string{"A=1", "B=2"}) ||
		c.WorkingDir != "/srv" || c.Entrypoint != nil || cf.OS != "linux" {
		t.Errorf("config = %+v", cf)
	}
	layers, err := img.Layers()
	mustDo(t, err)
	if len(layers) != 1 {
		t.Fatalf("%d layers, want 1", len(layers))
	}
	rc, err := layers[0].Uncompressed()
	mustDo(t, err)
	defer rc.Close()
	checkTar(t, tar.NewReader(rc))
}

func checkTar(t *testing.T, tr *tar.Reader) {
	t.Helper()
	var names []string
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		mustDo(t, err)
		names = append(names, hdr.Name)
		if hdr.ModTime.Unix() != 0 || hdr.Uid != 0 || hdr.Gid != 0 || hdr.Uname != "" {
			t.Errorf("%s: mtime %v owner %d:%d %q, want epoch 0:0", hdr.Name, hdr.ModTime, hdr.Uid, hdr.Gid, hdr.Uname)
		}
		checkEntry(t, hdr)
	}
	want := []string{"a/", "b/", "b/link", "b/sub/", "b/sub/f", "b/sym", "fifo"}
	if !slices.Equal(names, want) {
		t.Errorf("entries = %q, want %q", names, want)
	}
}

func checkEntry(t *testing.T, hdr *tar.Header) {
	t.Helper()
	switch hdr.Name {
	case "a/":
		wantHdr(t, hdr, tar.TypeDir, 0o700, "")
	case "b/link":
		wantHdr(t, hdr, tar.TypeReg, 0o4755, "")
	case "b/sub/f":
		wantHdr(t, hdr, tar.TypeLink, 0o4755, "b/link")
	case "b/sym":
		wantHdr(t, hdr, tar.TypeSymlink, 0o777, "sub/f")
	case "fifo":
		wantHdr(t, hdr, tar.TypeFifo, 0o600, "")
	}
}

func wantHdr(t *testing.T, hdr *tar.Header, typ byte, mode int64, link string) {
	t.Helper()
	if hdr.Typeflag != typ || hdr.Mode != mode || hdr.Linkname != link {
		t.Errorf("%s: type %q mode %o link %q, want %q %o %q", hdr.Name, hdr.Typeflag, hdr.Mode,
			hdr.Linkname, typ, mode, link)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"-rootfs", "/x"}, {"-o", "/y"}, {"-rootfs", "/x", "-o", "/y", "extra"}} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("parseFlags(%q) succeeded, want a usage error", args)
		}
	}
}
