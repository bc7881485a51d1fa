package mounts

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/podd/podd/internal/testutil"
	"golang.org/x/sys/unix"
)

func mountFlags(t *testing.T, p string) int64 {
	t.Helper()
	var st unix.Statfs_t
	if err := unix.Statfs(p, &st); err != nil {
		t.Errorf("statfs: %v", err) // called off the test goroutine: no Fatal
	}
	return st.Flags
}

// A volume is nodev, submounts included, so a device node in it (the host's /dev bound as a
// hostPath directory, a node left in an emptyDir) never opens; a read-only volume keeps
// nodev. A device node bound on its own (hostPath CharDevice) is not nodev.
func TestBindNodev(t *testing.T) {
	testutil.RequireRoot(t)
	base := t.TempDir()
	src, sub, root := filepath.Join(base, "src"), filepath.Join(base, "src/sub"), filepath.Join(base, "root")
	for _, d := range []string{sub, root} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	err := testutil.InMountNS(func() error {
		if err := unix.Mount("tmpfs", sub, "tmpfs", 0, ""); err != nil {
			return err
		}
		for _, n := range []string{filepath.Join(src, "null"), filepath.Join(sub, "null")} {
			if err := unix.Mknod(n, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
				return err
			}
		}
		r, err := OpenRoot(root)
		if err != nil {
			return err
		}
		defer r.Close()
		for _, b := range []Bind{{Source: src, Dest: "/vol"}, {Source: src, Dest: "/ro", ReadOnly: true},
			{Source: filepath.Join(sub, "null"), Dest: "/dev-null"}} {
			if err := r.Bind(b); err != nil {
				return err
			}
		}
		for _, p := range []string{"vol", "vol/sub", "ro", "ro/sub"} {
			if mountFlags(t, filepath.Join(root, p))&unix.ST_NODEV == 0 {
				t.Errorf("/%s: not nodev", p)
			}
			if f, err := os.OpenFile(filepath.Join(root, p, "null"), os.O_WRONLY, 0); err == nil {
				f.Close()
				t.Errorf("/%s/null: a device node opened through a volume", p)
			}
		}
		if mountFlags(t, filepath.Join(root, "ro"))&unix.ST_RDONLY == 0 {
			t.Error("/ro: not read-only")
		}
		f, err := os.OpenFile(filepath.Join(root, "dev-null"), os.O_WRONLY, 0)
		if err != nil {
			t.Errorf("a device bound on its own: %v", err)
		} else {
			f.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
