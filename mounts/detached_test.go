package mounts

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/podd/podd/internal/testutil"
)

// mountOptionsAt is the mount options and filesystem options of the mount at dir ("" if none).
func mountOptionsAt(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 9 && f[4] == dir {
			return f[5] + " " + f[len(f)-1]
		}
	}
	return ""
}

// MountDetached makes the filesystem with its options and flags and attaches it only when the
// gate calls attach; a gate that does not leaves nothing mounted and its error comes back.
func TestMountDetached(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "m")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	errNo := errors.New("not wanted any more")
	err := MountDetached("podd-test", target, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size=1m,mode=0700",
		func(attach func() error) error { return errNo })
	if !errors.Is(err, errNo) || mountOptionsAt(t, target) != "" {
		t.Fatalf("a gate that does not attach: %v, mount %q", err, mountOptionsAt(t, target))
	}
	err = MountDetached("podd-test", target, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_RDONLY, "size=1m,mode=0700",
		func(attach func() error) error { return attach() })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unix.Unmount(target, unix.MNT_DETACH) })
	got := mountOptionsAt(t, target)
	for _, want := range []string{"ro,nosuid,nodev", "size=1024k", "mode=700"} {
		if !strings.Contains(got, want) {
			t.Errorf("mount at %s: %q, want %q", target, got, want)
		}
	}
	err = MountDetached("podd-test", target, "tmpfs", 0, "size=1m,nosuchoption", func(attach func() error) error { return attach() })
	if !errors.Is(err, unix.EINVAL) || !strings.Contains(err.Error(), "fsconfig nosuchoption") {
		t.Errorf("an unknown option: %v, want EINVAL naming it", err)
	}
}
