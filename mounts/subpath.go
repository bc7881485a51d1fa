package mounts

import (
	"errors"
	"fmt"
	"os"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// ErrSubPathEscape is the error of a subPath that leads outside its volume.
var ErrSubPathEscape = errors.New("subPath leads outside the volume")

// OpenSubPath opens sub beneath the volume directory vol as an O_PATH handle. It is resolved
// by the kernel with RESOLVE_BENEATH: a ".." or a symlink (absolute, or relative and climbing
// out) that would leave the volume fails with ErrSubPathEscape rather than being followed. A
// missing sub is created as a directory (as the kubelet does), with pathrs-lite, which never
// creates anything outside the volume either; it is then opened beneath the volume again.
func OpenSubPath(vol, sub string) (*os.File, error) {
	root, err := os.OpenFile(vol, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open volume %s: %w", vol, err)
	}
	defer root.Close()
	h, err := beneath(root, sub)
	if errors.Is(err, unix.ENOENT) {
		var d *os.File
		if d, err = pathrs.MkdirAllHandle(root, sub, 0o755); err == nil {
			d.Close()
			h, err = beneath(root, sub)
		}
	}
	switch {
	case errors.Is(err, unix.EXDEV), errors.Is(err, unix.ELOOP):
		return nil, fmt.Errorf("subPath %q of %s: %w", sub, vol, ErrSubPathEscape)
	case err != nil:
		return nil, fmt.Errorf("subPath %q of %s: %w", sub, vol, err)
	}
	return h, nil
}

func beneath(root *os.File, sub string) (*os.File, error) {
	how := &unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS}
	fd, err := unix.Openat2(int(root.Fd()), sub, how)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), sub), nil
}
