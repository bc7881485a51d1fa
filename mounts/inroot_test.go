package mounts

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// hostileRoot is an image root whose symlinks point out of it every way they can.
func hostileRoot(t *testing.T) (string, *Root) {
	t.Helper()
	dir := t.TempDir()
	for name, target := range map[string]string{
		"abs":     "/etc",                     // absolute: must mean <root>/etc
		"up":      "../../../../../../../tmp", // up and out: must stop at <root>
		"proc":    "/proc/self/root",          // a magic link: refused
		"hosts":   "/etc/shadow",              // a file symlink to a host secret
		"resolvc": "../run/resolv.conf",       // the common /etc/resolv.conf shape
	} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"tmp", "etc"} { // where the links lead, inside the root
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "plain"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return dir, r
}

// where reports the real path a handle refers to.
func where(t *testing.T, f *os.File) string {
	t.Helper()
	p, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(f.Fd())))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDirStaysInsideRoot(t *testing.T) {
	dir, r := hostileRoot(t)
	for target, want := range map[string]string{
		"/abs/podd-x":       filepath.Join(dir, "etc/podd-x"),
		"/up/podd-y":        filepath.Join(dir, "tmp/podd-y"),
		"/../../etc/podd-z": filepath.Join(dir, "etc/podd-z"),
		"/new/deep/dir":     filepath.Join(dir, "new/deep/dir"),
	} {
		h, err := r.Dir(target)
		if err != nil {
			t.Fatalf("Dir(%s): %v", target, err)
		}
		if got := where(t, h); got != want {
			t.Errorf("Dir(%s) resolved to %s, want %s", target, got, want)
		}
		h.Close()
	}
	if _, err := os.Stat("/etc/podd-x"); err == nil {
		t.Fatal("Dir created /etc/podd-x on the host")
	}
}

func TestDirRefusesFilesAndMagicLinks(t *testing.T) {
	_, r := hostileRoot(t)
	if h, err := r.Dir("/plain"); err == nil {
		t.Errorf("Dir on a regular file gave %s", where(t, h))
	}
	if h, err := r.Dir("/proc/x"); err == nil && !strings.HasPrefix(where(t, h), os.TempDir()) {
		t.Errorf("Dir through /proc/self/root escaped to %s", where(t, h))
	}
}

// A file target that is a symlink is replaced by a plain file inside the root, never followed.
func TestFileReplacesSymlinks(t *testing.T) {
	dir, r := hostileRoot(t)
	for _, target := range []string{"/hosts", "/resolvc"} {
		h, err := r.File(target)
		if err != nil {
			t.Fatalf("File(%s): %v", target, err)
		}
		if got, want := where(t, h), filepath.Join(dir, target); got != want {
			t.Errorf("File(%s) is %s, want %s", target, got, want)
		}
		h.Close()
		st, err := os.Lstat(filepath.Join(dir, target))
		if err != nil || !st.Mode().IsRegular() {
			t.Errorf("%s is not a plain file now: %v %v", target, st, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "run")); err == nil {
		t.Error("File followed the resolv.conf symlink and created run/")
	}
}
