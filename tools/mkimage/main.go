// Command mkimage writes an OCI image layout holding one image whose single layer is a
// directory tree:
//
//	mkimage -rootfs DIR -o LAYOUT [-tag latest] [-entrypoint a,b] [-cmd a,b] [-env K=V,...]
//	        [-workdir /] [-user UID[:GID]]
//
// The layer is deterministic (entries sorted, mtimes fixed to SOURCE_DATE_EPOCH or 0, owner
// 0:0, no xattrs), so the same tree always yields the same digests. An existing LAYOUT is
// replaced.
package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sys/unix"
)

type options struct {
	rootfs, out, tag string
	cfg              v1.Config
}

func main() {
	opts, err := parseFlags(os.Args[1:])
	if err == nil {
		err = run(opts)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkimage:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	var o options
	var entrypoint, cmd, env string
	fs := flag.NewFlagSet("mkimage", flag.ContinueOnError)
	fs.StringVar(&o.rootfs, "rootfs", "", "directory tree to put in the layer (required)")
	fs.StringVar(&o.out, "o", "", "OCI layout directory to write (required; replaced)")
	fs.StringVar(&o.tag, "tag", "latest", "org.opencontainers.image.ref.name of the image")
	fs.StringVar(&entrypoint, "entrypoint", "", "comma-separated entrypoint")
	fs.StringVar(&cmd, "cmd", "", "comma-separated command")
	fs.StringVar(&env, "env", "", "comma-separated K=V environment")
	fs.StringVar(&o.cfg.WorkingDir, "workdir", "", "working directory")
	fs.StringVar(&o.cfg.User, "user", "", "user (UID[:GID] or name)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.rootfs == "" || o.out == "" || o.tag == "" || fs.NArg() != 0 {
		return o, fmt.Errorf("usage: mkimage -rootfs DIR -o LAYOUT [-tag T] [-entrypoint a,b] [-cmd a,b] [-env K=V,...] [-workdir D]")
	}
	o.cfg.Entrypoint, o.cfg.Cmd, o.cfg.Env = split(entrypoint), split(cmd), split(env)
	return o, nil
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func run(o options) error {
	mtime, err := sourceDate()
	if err != nil {
		return err
	}
	layer, err := dirLayer(o.rootfs, mtime)
	if err != nil {
		return err
	}
	img, err := buildImage(layer, o.cfg, mtime)
	if err != nil {
		return err
	}
	if err := writeLayout(o.out, o.tag, img); err != nil {
		return err
	}
	d, err := img.Digest()
	if err != nil {
		return fmt.Errorf("image digest: %w", err)
	}
	fmt.Printf("%s:%s %s\n", o.out, o.tag, d)
	return nil
}

// sourceDate is the fixed mtime of every entry: $SOURCE_DATE_EPOCH, else the Unix epoch.
func sourceDate() (time.Time, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		return time.Unix(0, 0), nil
	}
	sec, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH: %w", err)
	}
	return time.Unix(sec, 0), nil
}

func buildImage(layer v1.Layer, cfg v1.Config, created time.Time) (v1.Image, error) {
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, fmt.Errorf("append layer: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Config = "linux", runtime.GOARCH, cfg
	cf.Created = v1.Time{Time: created}
	for i := range cf.History {
		cf.History[i].Created = cf.Created
	}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return nil, fmt.Errorf("set config: %w", err)
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	return mutate.ConfigMediaType(img, types.OCIConfigJSON), nil
}

// writeLayout writes the layout next to out and then swaps it into place.
func writeLayout(out, tag string, img v1.Image) error {
	tmp := fmt.Sprintf("%s.tmp-%d", out, os.Getpid())
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("clear %s: %w", tmp, err)
	}
	p, err := layout.Write(tmp, empty.Index)
	if err != nil {
		return fmt.Errorf("create layout: %w", err)
	}
	ann := map[string]string{"org.opencontainers.image.ref.name": tag}
	if err := p.AppendImage(img, layout.WithAnnotations(ann)); err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("write image: %w", err)
	}
	if err := os.RemoveAll(out); err != nil {
		return fmt.Errorf("replace %s: %w", out, err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return fmt.Errorf("replace %s: %w", out, err)
	}
	return nil
}

// dirLayer makes an uncompressed-then-gzipped OCI layer from the tree at root.
func dirLayer(root string, mtime time.Time) (v1.Layer, error) {
	var buf bytes.Buffer
	if err := writeTar(&buf, root, mtime); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, fmt.Errorf("layer: %w", err)
	}
	return l, nil
}

// writeTar writes root's tree in lexical order (filepath.WalkDir), with fixed mtimes and
// owner 0:0; a file's second and later names become hard links.
func writeTar(w io.Writer, root string, mtime time.Time) error {
	tw := tar.NewWriter(w)
	seen := map[uint64]string{} // inode -> first name, for hard links
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		return addEntry(tw, p, filepath.ToSlash(rel), mtime, seen)
	})
	if err != nil {
		return fmt.Errorf("tar %s: %w", root, err)
	}
	return tw.Close()
}

func addEntry(tw *tar.Writer, p, name string, mtime time.Time, seen map[uint64]string) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	hdr, err := header(p, name, fi, mtime)
	if err != nil || hdr == nil {
		return err
	}
	st := fi.Sys().(*syscall.Stat_t)
	if hdr.Typeflag == tar.TypeReg && st.Nlink > 1 {
		if first, ok := seen[st.Ino]; ok {
			hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
		} else {
			seen[st.Ino] = name
		}
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if hdr.Typeflag == tar.TypeReg {
		return copyFile(tw, p)
	}
	return nil
}

// header is the deterministic tar header of one entry; nil for a socket (skipped).
func header(p, name string, fi fs.FileInfo, mtime time.Time) (*tar.Header, error) {
	hdr := &tar.Header{Name: name, Mode: tarMode(fi.Mode()), ModTime: mtime, Format: tar.FormatPAX}
	st := fi.Sys().(*syscall.Stat_t)
	switch m := fi.Mode(); {
	case m.IsRegular():
		hdr.Typeflag, hdr.Size = tar.TypeReg, fi.Size()
	case m.IsDir():
		hdr.Typeflag, hdr.Name = tar.TypeDir, name+"/"
	case m&fs.ModeSymlink != 0:
		target, err := os.Readlink(p)
		if err != nil {
			return nil, err
		}
		hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, target
	case m&fs.ModeNamedPipe != 0:
		hdr.Typeflag = tar.TypeFifo
	case m&fs.ModeDevice != 0:
		hdr.Typeflag = tar.TypeBlock
		if m&fs.ModeCharDevice != 0 {
			hdr.Typeflag = tar.TypeChar
		}
		hdr.Devmajor, hdr.Devminor = int64(unix.Major(st.Rdev)), int64(unix.Minor(st.Rdev))
	default:
		return nil, nil
	}
	return hdr, nil
}

// tarMode converts permission and set-id/sticky bits to the tar (c_IS*) encoding.
func tarMode(m fs.FileMode) int64 {
	mode := int64(m.Perm())
	for bit, v := range map[fs.FileMode]int64{fs.ModeSetuid: 0o4000, fs.ModeSetgid: 0o2000, fs.ModeSticky: 0o1000} {
		if m&bit != 0 {
			mode |= v
		}
	}
	return mode
}

func copyFile(w io.Writer, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}
