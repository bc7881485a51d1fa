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
// /proc/PID/exe). The child gets the memfd as its descriptor binaryFD and is executed from
// /proc/self/fd/5. (It used to be executed from podd's own descriptor number, 100: Go's fork
// uses the descriptors above the highest one it passes as scratch space in the child, so when a
// pipe passed to the child happened to be descriptor 99, Go moved its error pipe onto 100 and
// the execve opened a pipe: EACCES, ~1% of starts under concurrent applies.) The copy is of
// podd-nsinit, found beside the running executable or in PATH; without it, of podd's own
// executable (which runs the same code as `podd nsinit`, ~3 ms slower per container: a 25 MB
// binary with Kubernetes' package initialisers). Never the unsealed /proc/self/exe.
type Binary struct {
	Path   string // what the child execs: /proc/self/fd/<binaryFD>
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
	return newBinary(f, "a sealed copy of "+src+note), nil
}

func newBinary(memfd *os.File, source string) *Binary {
	return &Binary{Path: fmt.Sprintf("/proc/self/fd/%d", binaryFD), Source: source, memfd: memfd}
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

// sealedCopy copies src into a memfd sealed against any change, at descriptor 100 or above
// (out of the way of the low numbers; nothing depends on the number).
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
