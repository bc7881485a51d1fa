package nsinit

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestLookPath(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "tool")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := LookPath("tool", []string{"PATH=/nonexistent:" + dir})
	if err != nil || got != exe {
		t.Fatalf("LookPath(tool) = %q, %v", got, err)
	}
	_, err = LookPath("data", []string{"PATH=" + dir})
	if err == nil || !strings.Contains(err.Error(), `exec: "data": executable file not found in $PATH`) {
		t.Fatalf("non-executable: %v", err)
	}
	if _, err := LookPath(filepath.Join(dir, "missing"), nil); err == nil {
		t.Fatal("missing absolute path accepted")
	}
}

// The binary containers start as must be immutable: a sealed memfd refuses writes.
func TestSealedCopyRefusesWrites(t *testing.T) {
	src := filepath.Join(t.TempDir(), "bin")
	if err := os.WriteFile(src, []byte("ELF-ish"), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := sealedCopy(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Fd() < 100 {
		t.Fatalf("memfd at fd %d, want >= 100", f.Fd())
	}
	if _, err := unix.Pwrite(int(f.Fd()), []byte("x"), 0); err != unix.EPERM {
		t.Fatalf("write to sealed memfd: %v, want EPERM", err)
	}
	rw, err := os.OpenFile("/proc/self/fd/"+strconv.Itoa(int(f.Fd())), os.O_RDWR, 0)
	if err == nil {
		_, werr := rw.Write([]byte("x"))
		rw.Close()
		if werr == nil {
			t.Fatal("write through /proc/self/fd succeeded")
		}
	}
}

// Without podd-nsinit beside it or in PATH, the copy is of the running executable, still sealed:
// never the unsealed /proc/self/exe.
func TestLoadBinaryAlwaysSealed(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // the test binary has no podd-nsinit beside it
	b, err := LoadBinary()
	if err != nil {
		t.Fatal(err)
	}
	defer b.memfd.Close()
	if !strings.HasPrefix(b.Path, "/proc/self/fd/") {
		t.Fatalf("Path %q, want /proc/self/fd/N of a sealed memfd", b.Path)
	}
	seals, err := unix.FcntlInt(b.memfd.Fd(), unix.F_GET_SEALS, 0)
	want := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if err != nil || seals&want != want {
		t.Fatalf("seals %#x, %v; want at least %#x", seals, err, want)
	}
	if !strings.Contains(b.Source, "podd itself") {
		t.Errorf("Source %q does not say the copy is of podd itself", b.Source)
	}
}

// The child is executed from its own descriptor binaryFD, whatever numbers the descriptors it is
// given have in podd. Go's fork moves its error pipe onto the first number above the highest
// descriptor passed: with one at the memfd's number minus one, executing podd's memfd number
// opened that pipe (EACCES, ~1% of container starts once podd held ~100 descriptors).
func TestChildExecsWhateverTheDescriptorNumbers(t *testing.T) {
	f, err := sealedCopy("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := newBinary(f, "test")
	below := int(f.Fd()) - 1
	if _, err := unix.FcntlInt(uintptr(below), unix.F_GETFD, 0); err == nil {
		t.Fatalf("descriptor %d is in use; the test needs it free", below)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if err := unix.Dup3(int(r.Fd()), below, unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	cfgR := os.NewFile(uintptr(below), "config at memfd-1")
	defer cfgR.Close()
	cmd := command(b, Spec{}, cfgR, w, nil)
	cmd.SysProcAttr = nil // no namespaces or cgroup: only the descriptors matter here
	cmd.Args = []string{"true"}
	if err := cmd.Run(); err != nil {
		t.Fatalf("exec %s with a descriptor at %d: %v", b.Path, below, err)
	}
}
