package overlay

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/podd/podd/internal/testutil"
	"golang.org/x/sys/unix"
)

// The container's root is mounted nodev: a device node in a layer (or made later on /) does
// not open. Runs on a thread with its own mount namespace, discarded afterwards.
func TestMountNodev(t *testing.T) {
	testutil.RequireRoot(t)
	base := t.TempDir()
	o := Overlay{Lowers: []string{filepath.Join(base, "l")}, Upper: filepath.Join(base, "u"),
		Work: filepath.Join(base, "w"), Target: filepath.Join(base, "m")}
	for _, d := range []string{o.Lowers[0], o.Upper, o.Work, o.Target} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(o.Lowers[0], "f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mknod(filepath.Join(o.Lowers[0], "null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatal(err)
	}
	var st unix.Statfs_t
	err := testutil.InMountNS(func() error {
		if err := o.Mount(); err != nil {
			return err
		}
		if err := unix.Statfs(o.Target, &st); err != nil {
			return err
		}
		if _, err := os.Open(filepath.Join(o.Target, "null")); err == nil {
			return errors.New("a device node of the image opened through the container's root")
		}
		// Deleting an image file still works: overlayfs makes its whiteout in the upper layer.
		return os.Remove(filepath.Join(o.Target, "f"))
	})
	if err != nil {
		t.Error(err)
	}
	if st.Flags&unix.ST_NODEV == 0 {
		t.Errorf("overlay root mount flags %#x: no ST_NODEV", st.Flags)
	}
}
