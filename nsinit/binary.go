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

// Binary is what podd executes for each new container: always a copy sealed in a memfd
// (CVE-2019-5736: a container can then never rewrite the binary podd runs through
// /proc/PID/exe). The copy is of podd-nsinit, found beside the running executable or in PATH;
// without it, of podd's own executable (which runs the same code as `podd nsinit`, ~3 ms slower
// per container: a 25 MB binary with Kubernetes' package initialisers). Never the unsealed
// /proc/self/exe.
type Binary struct {
	Path   string // what to execve: /proc/self/fd/N of the memfd
	Source string // what the copy is of, for the log
	memfd  *os.File
}

// LoadBinary seals a copy of podd-nsinit, or of podd itself, and checks the copy can be
// executed.
func LoadBinary() (*Binary, error) {
	src, note := findBinary(), ""
	if src == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("no %s beside podd or in PATH, and podd's own executable: %w", BinaryName, err)
		}
		src, note = exe, " (podd itself: no "+BinaryName+" found)"
	}
	f, err := sealedCopy(src)
	if err != nil {
		return nil, err
	}
	if err := checkExecutable(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("sealed copy of %s: %w", src, err)
	}
	return &Binary{Path: fmt.Sprintf("/proc/self/fd/%d", f.Fd()), Source: "a sealed copy of " + src + note, memfd: f}, nil
}

// checkExecutable asks the kernel whether execve would accept the copy (mode and mount).
func checkExecutable(f *os.File) error {
	if err := unix.Faccessat2(int(f.Fd()), "", unix.X_OK, unix.AT_EACCESS|unix.AT_EMPTY_PATH); err != nil {
		return fmt.Errorf("not executable: %w", err)
	}
	return nil
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
