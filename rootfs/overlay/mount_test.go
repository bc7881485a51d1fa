package overlay

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// testOverlay makes a one-layer overlay's directories under t's temp dir (on the disk, as
// under --root) and returns it.
func testOverlay(t testing.TB) Overlay {
	base := t.TempDir()
	o := Overlay{Lowers: []string{filepath.Join(base, "l")}, Upper: filepath.Join(base, "u"),
		Work: filepath.Join(base, "w"), Target: filepath.Join(base, "m")}
	for _, d := range []string{o.Lowers[0], o.Upper, o.Work, o.Target} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// The container's root is a volatile overlay: no sync of the upper file system at unmount.
func TestMountVolatile(t *testing.T) {
	testutil.RequireRoot(t)
	o := testOverlay(t)
	var info []byte
	err := testutil.InMountNS(func() error {
		if err := o.Mount(); err != nil {
			return err
		}
		var err error
		info, err = os.ReadFile("/proc/thread-self/mountinfo")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(info), "\n") {
		if strings.Contains(line, " "+o.Target+" ") {
			if !strings.Contains(line, "volatile") {
				t.Errorf("overlay mount without volatile: %s", line)
			}
			return
		}
	}
	t.Errorf("no mount on %s in mountinfo", o.Target)
}

// BenchmarkMountWriteUnmount mounts a container root, writes a small file in it (as a
// container does) and unmounts it (as the container's exit does), with the volatile option
// and without: cpu-ms/op is this thread's CPU per cycle (the flusher's and the journal's work
// for the sync is not in it), umount-ms/op the wall time of the unmount.
func BenchmarkMountWriteUnmount(b *testing.B) {
	testutil.RequireRoot(b)
	for _, tc := range []struct{ name, opt string }{{"volatile", volatileOption}, {"synced", ""}} {
		b.Run(tc.name, func(b *testing.B) {
			o := testOverlay(b)
			var cpu, umount time.Duration
			err := testutil.InMountNS(func() error {
				for b.Loop() {
					c0 := threadCPU()
					if err := o.mount(o.Options() + tc.opt); err != nil {
						return err
					}
					if err := os.WriteFile(filepath.Join(o.Target, "f"), []byte("data"), 0o644); err != nil {
						return err
					}
					t0 := time.Now()
					if err := unix.Unmount(o.Target, 0); err != nil {
						return err
					}
					umount += time.Since(t0)
					cpu += threadCPU() - c0
					for _, d := range []string{o.Upper, o.Work} {
						if err := os.RemoveAll(d); err != nil {
							return err
						}
						if err := os.Mkdir(d, 0o755); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(umount.Microseconds())/1000/float64(b.N), "umount-ms/op")
		})
	}
}

func threadCPU() time.Duration {
	var ru unix.Rusage
	_ = unix.Getrusage(unix.RUSAGE_THREAD, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
