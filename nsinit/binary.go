package nsinit

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// BinaryName is the small program container processes start as (cmd/podd-nsinit).
const BinaryName = "podd-nsinit"

// Binary is what podd executes for each new container. The podd-nsinit program is copied once
// into a sealed memfd (CVE-2019-5736: a container can then never rewrite the binary podd runs
// through /proc/PID/exe); without it podd re-executes itself, which costs ~3 ms more per
// container (a 25 MB binary with Kubernetes' package initialisers).
type Binary struct {
	Path   string // what to execve
	Source string // where it came from
	memfd  *os.File
}

// LoadBinary finds podd-nsinit beside the running executable or in PATH and seals a copy.
func LoadBinary() (*Binary, error) {
	src := findBinary()
	if src == "" {
		return &Binary{Path: "/proc/self/exe", Source: "podd itself (no " + BinaryName + " found)"}, nil
	}
	f, err := sealedCopy(src)
	if err != nil {
		return nil, err
	}
	return &Binary{Path: fmt.Sprintf("/proc/self/fd/%d", f.Fd()), Source: src, memfd: f}, nil
}

func findBinary() string {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), BinaryName)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	p, _ := exec.LookPath(BinaryName)
	return p
}

// sealedCopy copies src into a memfd sealed against any change. Its descriptor is moved above
// the low numbers so the ExtraFiles shuffle of a fork never lands on it before execve.
func sealedCopy(src string) (*os.File, error) {
	in, err := os.Open(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", BinaryName, err)
	}
	defer in.Close()
	fd, err := unix.MemfdCreate(BinaryName, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("memfd for %s: %w", BinaryName, err)
	}
	high, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 100)
	unix.Close(fd)
	if err != nil {
		return nil, fmt.Errorf("memfd for %s: %w", BinaryName, err)
	}
	f := os.NewFile(uintptr(high), BinaryName)
	if _, err := io.Copy(f, in); err != nil {
		f.Close()
		return nil, fmt.Errorf("copy %s into memfd: %w", src, err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		f.Close()
		return nil, fmt.Errorf("seal %s memfd: %w", BinaryName, err)
	}
	return f, nil
}
