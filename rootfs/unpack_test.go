package rootfs

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/podd/podd/internal/testutil"
	"golang.org/x/sys/unix"
)

var testTime = time.Unix(1_600_000_000, 0)

// ent is one tar entry of a test layer.
type ent struct {
	typ     byte
	name    string
	link    string // symlink / hard link target
	body    string
	mode    int64
	uid     int
	devmaj  int64
	devmin  int64
	xattrs  map[string]string
	modTime time.Time
}

func dirE(name string) ent          { return ent{typ: tar.TypeDir, name: name, mode: 0o755} }
func fileE(name, body string) ent   { return ent{typ: tar.TypeReg, name: name, body: body, mode: 0o644} }
func symE(name, target string) ent  { return ent{typ: tar.TypeSymlink, name: name, link: target} }
func linkE(name, target string) ent { return ent{typ: tar.TypeLink, name: name, link: target} }
func whE(name string) ent           { return fileE(name, "") }
func modeE(e ent, mode int64) ent   { e.mode = mode; return e }
func ownE(e ent, uid int) ent       { e.uid = uid; return e }
func timeE(e ent, t time.Time) ent  { e.modTime = t; return e }
func nodeE(name string, typ byte) ent {
	return ent{typ: typ, name: name, mode: 0o666, devmaj: 1, devmin: 3}
}

func makeTar(t testing.TB, ents ...ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range ents {
		hdr := &tar.Header{Typeflag: e.typ, Name: e.name, Linkname: e.link, Mode: e.mode,
			Uid: e.uid, Gid: e.uid, Size: int64(len(e.body)), ModTime: testTime,
			Devmajor: e.devmaj, Devminor: e.devmin, Format: tar.FormatPAX}
		if !e.modTime.IsZero() {
			hdr.ModTime = e.modTime
		}
		for k, v := range e.xattrs {
			if hdr.PAXRecords == nil {
				hdr.PAXRecords = map[string]string{}
			}
			hdr.PAXRecords["SCHILY.xattr."+k] = v
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatalf("tar header %q: %v", e.name, err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatalf("tar body %q: %v", e.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sandbox is a temp dir holding the unpack root and a sibling "outside" tree that every
// breakout aims at; outside is snapshotted before and compared after.
type sandbox struct {
	base, root, outside string
}

func newSandbox(t *testing.T) sandbox {
	t.Helper()
	base := t.TempDir()
	sb := sandbox{base: base, root: filepath.Join(base, "root"), outside: filepath.Join(base, "outside")}
	for _, d := range []string{sb.root, filepath.Join(sb.outside, "etc")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(sb.outside, "etc", "passwd"), []byte("host"), 0o400); err != nil {
		t.Fatal(err)
	}
	return sb
}

// snapshot lists base's tree outside root: path -> mode, owner, size, mtime and contents.
func (sb sandbox) snapshot(t *testing.T) map[string]string {
	t.Helper()
	snap := map[string]string{}
	err := filepath.WalkDir(sb.base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == sb.root {
			return filepath.SkipDir
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		v := []byte(nil)
		if st.Mode&unix.S_IFMT == unix.S_IFREG {
			v, _ = os.ReadFile(p)
		}
		snap[p] = fmt.Sprintf("%o %d:%d %d %q", st.Mode, st.Uid, st.Gid, st.Mtim.Nano(), v)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func unpackBytes(t *testing.T, dir string, layer []byte) error {
	t.Helper()
	return unpackLayer(dir, bytes.NewReader(layer))
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	return string(b)
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"a/b": "a/b", "./a/b/": "a/b", "/etc/passwd": "etc/passwd", "../../x": "x",
		"a/../../b": "b", "": ".", "/": ".", "..": ".", "./": ".", "a/./b//c": "a/b/c",
	} {
		if got := cleanName(in); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestBreakouts follows containerd's pkg/archive TestBreakouts: each hostile layer must
// leave the tree outside the unpack root untouched, and the legitimate part land inside.
func TestBreakouts(t *testing.T) {
	testutil.RequireRoot(t)
	cases := []struct {
		name  string
		ents  func(sb sandbox) []ent
		check func(t *testing.T, sb sandbox)
		fails bool
	}{
		{name: "DotDotName", ents: func(sb sandbox) []ent {
			return []ent{fileE("../outside/etc/passwd", "pwned"), fileE("a/../../../outside/x", "pwned")}
		}, check: func(t *testing.T, sb sandbox) {
			wantFile(t, filepath.Join(sb.root, "outside/etc/passwd"), "pwned")
			wantFile(t, filepath.Join(sb.root, "outside/x"), "pwned")
		}},
		{name: "AbsoluteName", ents: func(sb sandbox) []ent {
			return []ent{fileE(filepath.Join(sb.outside, "etc/passwd"), "pwned")}
		}, check: func(t *testing.T, sb sandbox) {
			wantFile(t, filepath.Join(sb.root, sb.outside, "etc/passwd"), "pwned")
		}},
		{name: "SymlinkAbsoluteThenWrite", ents: func(sb sandbox) []ent {
			return []ent{dirE(filepath.Join(sb.outside, "etc")), symE("localetc", filepath.Join(sb.outside, "etc")),
				fileE("localetc/passwd", "pwned")}
		}, check: func(t *testing.T, sb sandbox) {
			wantFile(t, filepath.Join(sb.root, sb.outside, "etc/passwd"), "pwned")
		}},
		{name: "DanglingSymlinkThenWrite", ents: func(sb sandbox) []ent {
			return []ent{symE("localetc", filepath.Join(sb.outside, "etc")), fileE("localetc/passwd", "pwned")}
		}, fails: true},
		{name: "SymlinkUpAndOutThenWrite", ents: func(sb sandbox) []ent {
			return []ent{dirE("dummy"), dirE("outside/etc"), symE("localetc", "dummy/../../outside/etc"),
				fileE("localetc/passwd", "pwned")}
		}, check: func(t *testing.T, sb sandbox) {
			wantFile(t, filepath.Join(sb.root, "outside/etc/passwd"), "pwned")
		}},
		{name: "SymlinkChainThenMkdir", ents: func(sb sandbox) []ent {
			return []ent{symE("a", "/"), symE("b", "a/../.."), dirE("b/outside/newdir"),
				fileE("b/outside/newdir/f", "x")}
		}, check: func(t *testing.T, sb sandbox) {
			wantFile(t, filepath.Join(sb.root, "outside/newdir/f"), "x")
		}},
		{name: "FileOverSymlink", ents: func(sb sandbox) []ent {
			return []ent{symE("passwd", filepath.Join(sb.outside, "etc/passwd")), fileE("passwd", "pwned")}
		}, check: func(t *testing.T, sb sandbox) {
			wantFile(t, filepath.Join(sb.root, "passwd"), "pwned")
		}},
		{name: "ChmodChownThroughSymlink", ents: func(sb sandbox) []ent {
			return []ent{symE("passwd", filepath.Join(sb.outside, "etc/passwd")),
				ownE(modeE(fileE("passwd", ""), 0o4777), 1234),
				symE("etcdir", filepath.Join(sb.outside, "etc")), ownE(modeE(dirE("etcdir"), 0o777), 1234)}
		}, check: func(t *testing.T, sb sandbox) {
			wantMode(t, filepath.Join(sb.root, "passwd"), 0o777|fs.ModeSetuid)
			wantMode(t, filepath.Join(sb.root, "etcdir"), fs.ModeDir|0o777)
		}},
		{name: "DirectoryOverSymlink", ents: func(sb sandbox) []ent {
			return []ent{symE("localetc", filepath.Join(sb.outside, "etc")), dirE("localetc"),
				fileE("localetc/passwd", "inside")}
		}, check: func(t *testing.T, sb sandbox) {
			wantMode(t, filepath.Join(sb.root, "localetc"), fs.ModeDir|0o755)
			wantFile(t, filepath.Join(sb.root, "localetc/passwd"), "inside")
		}},
		{name: "HardlinkDirectOutside", ents: func(sb sandbox) []ent {
			return []ent{dirE("etc"), fileE("etc/passwd", "inside"), linkE("l1", "../../outside/etc/passwd"),
				linkE("l2", filepath.Join(sb.outside, "etc/passwd"))}
		}, fails: true},
		{name: "HardlinkThroughSymlinkOutside", ents: func(sb sandbox) []ent {
			return []ent{dirE("etc"), fileE("etc/passwd", "inside"),
				symE("localetc", filepath.Join(sb.outside, "etc")), linkE("localpasswd", "localetc/passwd")}
		}, fails: true},
		{name: "HardlinkThroughRelativeSymlink", ents: func(sb sandbox) []ent {
			return []ent{dirE("etc"), fileE("etc/passwd", "inside"), symE("localetc", "../../../../etc"),
				linkE("localpasswd", "localetc/passwd"), fileE("localetc/passwd", "rewritten")}
		}, check: func(t *testing.T, sb sandbox) {
			wantFile(t, filepath.Join(sb.root, "localpasswd"), "inside")
			wantFile(t, filepath.Join(sb.root, "etc/passwd"), "rewritten")
		}},
		{name: "HardlinkToSymlinkThenChmod", ents: func(sb sandbox) []ent {
			return []ent{symE("s", filepath.Join(sb.outside, "etc/passwd")), linkE("hl", "s"),
				modeE(fileE("hl2", "x"), 0o777)}
		}, check: func(t *testing.T, sb sandbox) {
			wantMode(t, filepath.Join(sb.root, "hl"), fs.ModeSymlink|0o777)
		}},
		{name: "HardlinkOverSymlink", ents: func(sb sandbox) []ent {
			return []ent{fileE("inside", "inside"), symE("x", filepath.Join(sb.outside, "etc/passwd")),
				linkE("x", "inside")}
		}, check: func(t *testing.T, sb sandbox) {
			wantFile(t, filepath.Join(sb.root, "x"), "inside")
		}},
		{name: "NodeOverSymlink", ents: func(sb sandbox) []ent {
			return []ent{symE("fifo", filepath.Join(sb.outside, "etc/passwd")), nodeE("fifo", tar.TypeFifo)}
		}, check: func(t *testing.T, sb sandbox) {
			wantMode(t, filepath.Join(sb.root, "fifo"), fs.ModeNamedPipe|0o666)
		}},
		{name: "SymlinkNamedDotDot", ents: func(sb sandbox) []ent {
			return []ent{symE("..", filepath.Join(sb.outside, "etc"))}
		}, fails: true},
		{name: "WhiteoutDotDot", ents: func(sb sandbox) []ent { return []ent{whE(".wh..."), whE("etc/.wh..")} },
			fails: true},
		{name: "WhiteoutThroughSymlink", ents: func(sb sandbox) []ent {
			return []ent{dirE(filepath.Join(sb.outside, "etc")), symE("localetc", filepath.Join(sb.outside, "etc")),
				whE("localetc/.wh.passwd"),
				whE("../outside/etc/.wh..wh..opq")}
		}, check: func(t *testing.T, sb sandbox) {
			wantWhiteout(t, filepath.Join(sb.root, sb.outside, "etc/passwd"))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sb := newSandbox(t)
			before := sb.snapshot(t)
			err := unpackBytes(t, sb.root, makeTar(t, c.ents(sb)...))
			if c.fails && err == nil {
				t.Errorf("unpack succeeded, want an error")
			}
			if !c.fails && err != nil {
				t.Fatalf("unpack: %v", err)
			}
			if err != nil {
				t.Logf("refused: %v", err)
			}
			wantSameTree(t, before, sb.snapshot(t))
			if c.check != nil {
				c.check(t, sb)
			}
		})
	}
}

func wantSameTree(t *testing.T, before, after map[string]string) {
	t.Helper()
	for p, v := range after {
		if before[p] != v {
			t.Errorf("outside the root: %s changed: %q -> %q", p, before[p], v)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			t.Errorf("outside the root: %s removed", p)
		}
	}
}

func wantFile(t *testing.T, p, body string) {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	if !fi.Mode().IsRegular() {
		t.Fatalf("%s: mode %v, want a regular file", p, fi.Mode())
	}
	if got := readFile(t, p); got != body {
		t.Errorf("%s = %q, want %q", p, got, body)
	}
}

func wantMode(t *testing.T, p string, mode fs.FileMode) {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	if fi.Mode() != mode {
		t.Errorf("%s: mode %v, want %v", p, fi.Mode(), mode)
	}
}

func wantWhiteout(t *testing.T, p string) {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		t.Fatalf("whiteout %s: %v", p, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != 0 {
		t.Errorf("%s: mode %o rdev %d, want a 0/0 character device", p, st.Mode, st.Rdev)
	}
}

func wantOpaque(t *testing.T, p string, opaque bool) {
	t.Helper()
	buf := make([]byte, 8)
	n, err := unix.Lgetxattr(p, opaqueXattr, buf)
	got := err == nil && string(buf[:n]) == "y"
	if got != opaque {
		t.Errorf("%s: opaque=%v (err %v), want %v", p, got, err, opaque)
	}
}

func TestWhiteouts(t *testing.T) {
	testutil.RequireRoot(t)
	root := t.TempDir()
	err := unpackBytes(t, root, makeTar(t,
		dirE("a"), whE("a/.wh.gone"), dirE("a/opq"), whE("a/opq/.wh..wh..opq"),
		whE(".wh..wh..plnk"), whE("a/.wh.kept"), fileE("a/kept", "same layer"),
		fileE("a/replaced", "old"), whE("a/.wh.replaced"), dirE("a/plain"),
		whE("implicit/dir/.wh.x")))
	if err != nil {
		t.Fatal(err)
	}
	wantWhiteout(t, filepath.Join(root, "a/gone"))
	wantWhiteout(t, filepath.Join(root, "implicit/dir/x"))
	wantOpaque(t, filepath.Join(root, "a/opq"), true)
	wantOpaque(t, filepath.Join(root, "a/plain"), false)
	wantFile(t, filepath.Join(root, "a/kept"), "same layer")
	wantFile(t, filepath.Join(root, "a/replaced"), "old")
	for _, n := range []string{".wh..wh..plnk", "a/.wh.gone", "a/opq/.wh..wh..opq"} {
		if _, err := os.Lstat(filepath.Join(root, n)); err == nil {
			t.Errorf("%s: marker file left in the layer", n)
		}
	}
}

// TestWhiteoutsOverlay mounts two unpacked layers with overlayfs and checks the whiteouts
// hide what they should.
func TestWhiteoutsOverlay(t *testing.T) {
	testutil.RequireRoot(t)
	base := t.TempDir()
	lower, upper, mnt := filepath.Join(base, "l"), filepath.Join(base, "u"), filepath.Join(base, "m")
	for _, d := range []string{lower, upper, mnt} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	must(t, unpackBytes(t, lower, makeTar(t, dirE("d"), fileE("d/gone", "x"), fileE("d/stays", "x"),
		dirE("o"), fileE("o/hidden", "x"))))
	must(t, unpackBytes(t, upper, makeTar(t, whE("d/.wh.gone"), whE("o/.wh..wh..opq"), fileE("o/new", "y"))))
	if err := unix.Mount("overlay", mnt, "overlay", unix.MS_RDONLY, "lowerdir="+upper+":"+lower); err != nil {
		testutil.Unavailable(t, "overlayfs mount: "+err.Error())
	}
	defer unix.Unmount(mnt, unix.MNT_DETACH)
	for p, want := range map[string]bool{"d/gone": false, "d/stays": true, "o/hidden": false, "o/new": true} {
		_, err := os.Lstat(filepath.Join(mnt, p))
		if (err == nil) != want {
			t.Errorf("%s: exists=%v, want %v", p, err == nil, want)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestUnpackMetadata(t *testing.T) {
	testutil.RequireRoot(t)
	root := t.TempDir()
	old := time.Unix(1_000_000_000, 0)
	xa := fileE("bin/ping", "ping")
	xa.xattrs = map[string]string{"user.test": "v", "trusted.overlay.redirect": "/etc"}
	must(t, unpackBytes(t, root, makeTar(t,
		timeE(modeE(ent{typ: tar.TypeDir, name: "./"}, 0o751), old),
		timeE(dirE("bin"), old), ownE(modeE(fileE("bin/su", "su"), 0o4755), 1000),
		ownE(symE("bin/sh", "busybox"), 1001), xa, linkE("bin/ping6", "bin/ping"),
		modeE(dirE("tmp"), 0o1777), nodeE("fifo", tar.TypeFifo))))
	wantMode(t, root, fs.ModeDir|0o751)
	wantMode(t, filepath.Join(root, "bin/su"), 0o755|fs.ModeSetuid)
	wantMode(t, filepath.Join(root, "tmp"), fs.ModeDir|fs.ModeSticky|0o777)
	wantMode(t, filepath.Join(root, "fifo"), fs.ModeNamedPipe|0o666) // device nodes: TestUnpackDeviceNodes
	wantOwner(t, filepath.Join(root, "bin/su"), 1000)
	wantOwner(t, filepath.Join(root, "bin/sh"), 1001)
	if l, err := os.Readlink(filepath.Join(root, "bin/sh")); err != nil || l != "busybox" {
		t.Errorf("bin/sh -> %q (%v), want busybox", l, err)
	}
	wantMtime(t, root, old)
	wantMtime(t, filepath.Join(root, "bin"), old)
	wantMtime(t, filepath.Join(root, "bin/su"), testTime)
	wantMtime(t, filepath.Join(root, "bin/sh"), testTime)
	wantXattr(t, filepath.Join(root, "bin/ping"), "user.test", "v")
	wantXattr(t, filepath.Join(root, "bin/ping"), "trusted.overlay.redirect", "")
	wantSameInode(t, filepath.Join(root, "bin/ping"), filepath.Join(root, "bin/ping6"))
}

func wantOwner(t *testing.T, p string, id uint32) {
	t.Helper()
	var st unix.Stat_t
	must(t, unix.Lstat(p, &st))
	if st.Uid != id || st.Gid != id {
		t.Errorf("%s: owner %d:%d, want %d:%d", p, st.Uid, st.Gid, id, id)
	}
}

func wantMtime(t *testing.T, p string, want time.Time) {
	t.Helper()
	fi, err := os.Lstat(p)
	must(t, err)
	if !fi.ModTime().Equal(want) {
		t.Errorf("%s: mtime %v, want %v", p, fi.ModTime(), want)
	}
}

func wantXattr(t *testing.T, p, name, want string) {
	t.Helper()
	buf := make([]byte, 64)
	n, err := unix.Lgetxattr(p, name, buf)
	got := ""
	if err == nil {
		got = string(buf[:n])
	}
	if got != want {
		t.Errorf("%s: xattr %s = %q, want %q", p, name, got, want)
	}
}

func wantSameInode(t *testing.T, a, b string) {
	t.Helper()
	fa, err := os.Lstat(a)
	must(t, err)
	fb, err := os.Lstat(b)
	must(t, err)
	if !os.SameFile(fa, fb) {
		t.Errorf("%s and %s are not the same inode", a, b)
	}
}

func TestUnpackRejects(t *testing.T) {
	testutil.RequireRoot(t)
	for name, ents := range map[string][]ent{
		"root as file":        {fileE("..", "x")},
		"file under file":     {fileE("f", "x"), fileE("f/g", "y")},
		"hard link to root":   {linkE("l", "/")},
		"hard link missing":   {linkE("l", "nope")},
		"hard link to dir":    {dirE("d"), linkE("l", "d")},
		"unknown entry type":  {{typ: 'Z', name: "z"}},
		"whiteout of nothing": {whE("d/.wh.")},
	} {
		t.Run(name, func(t *testing.T) {
			if err := unpackBytes(t, t.TempDir(), makeTar(t, ents...)); err == nil {
				t.Error("unpack succeeded, want an error")
			}
		})
	}
}

// A hostile layer's device nodes (the host's kmsg, memory, disk) are never created: not in the
// image store on the host's filesystem, not in any container. Overlay whiteouts (0/0) and
// FIFOs still are; a device entry still replaces an earlier entry at its path.
func TestUnpackDeviceNodes(t *testing.T) {
	testutil.RequireRoot(t)
	root := t.TempDir()
	dev := func(name string, typ byte, maj, min int64) ent {
		return ent{typ: typ, name: name, mode: 0o666, devmaj: maj, devmin: min}
	}
	must(t, unpackBytes(t, root, makeTar(t,
		dev("dev/kmsg", tar.TypeChar, 1, 11), dev("dev/mem", tar.TypeChar, 1, 1),
		dev("dev/null", tar.TypeChar, 1, 3), dev("sda", tar.TypeBlock, 8, 0),
		fileE("etc/shadow", "x"), dev("etc/shadow", tar.TypeBlock, 8, 1),
		dev("wh", tar.TypeChar, 0, 0), dev("blockwh", tar.TypeBlock, 0, 0), nodeE("fifo", tar.TypeFifo))))
	for _, n := range []string{"dev/kmsg", "dev/mem", "dev/null", "sda", "etc/shadow", "blockwh"} {
		if fi, err := os.Lstat(filepath.Join(root, n)); err == nil {
			t.Errorf("%s: created from the layer (%v)", n, fi.Mode())
		}
	}
	wantWhiteout(t, filepath.Join(root, "wh"))
	wantMode(t, filepath.Join(root, "fifo"), fs.ModeNamedPipe|0o666)
}
