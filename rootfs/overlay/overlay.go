// Package overlay mounts a container's root (image layers under a writable overlayfs upper) and
// pivots into it. It is kept apart from package rootfs (the image store) so the small
// podd-nsinit binary does not carry the registry code.
package overlay

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// Overlay is a container's writable root: the image's read-only layers under a per-container
// upper directory.
type Overlay struct {
	Lowers []string // top-most first, as Image.Lowers
	Upper  string
	Work   string
	Target string
}

// Options is the overlayfs mount data. Commas and colons in paths would change its meaning,
// so they are escaped the way overlayfs parses them.
func (o Overlay) Options() string {
	lowers := make([]string, len(o.Lowers))
	for i, l := range o.Lowers {
		lowers[i] = escapeOverlay(l)
	}
	return fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s",
		strings.Join(lowers, ":"), escapeOverlay(o.Upper), escapeOverlay(o.Work))
}

// escapeOverlay escapes p for the mount data; the usual path has nothing to escape and is
// returned as is, without building a Replacer (every container start in podd-nsinit).
func escapeOverlay(p string) string {
	if !strings.ContainsAny(p, `\,:`) {
		return p
	}
	return overlayEscaper.Replace(p)
}

var overlayEscaper = strings.NewReplacer(`\`, `\\`, `,`, `\,`, `:`, `\:`)

// Prepare creates the upper, work and target directories (on the host, before clone).
func (o Overlay) Prepare() error {
	for _, d := range []string{o.Upper, o.Work, o.Target} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("overlay: %w", err)
		}
	}
	return nil
}

// MountFlags: a container's root is nodev; device nodes work only in the /dev tmpfs podd
// mounts over it (an image, or a node made with mknod on /, never opens a device).
const MountFlags = unix.MS_NODEV

// volatile: overlayfs never syncs the upper file system for this mount. Without it, the
// unmount when a container's last process exits runs sync_filesystem on the upper's file system
// (the disk under --root): the exiting process, and so the delete waiting for it, pays for a
// writeback and journal commit (13% of a churned container's exit CPU in perf). A writable
// layer is thrown away at the container's next run anyway (every run starts from the image),
// so it never needs to survive a crash. Linux 5.10+ (podd already needs 5.11 for close_range).
const volatileOption = ",volatile"

// Mount mounts the overlay on Target, volatile. Called inside the container's mount namespace,
// so the mount vanishes with the container and nothing is left on the host.
func (o Overlay) Mount() error {
	return o.mount(o.Options() + volatileOption)
}

func (o Overlay) mount(data string) error {
	if len(o.Lowers) == 0 {
		return fmt.Errorf("overlay on %s: image has no layers", o.Target)
	}
	if err := unix.Mount("overlay", o.Target, "overlay", MountFlags, data); err != nil {
		return fmt.Errorf("mount overlay on %s (%s): %w", o.Target, data, err)
	}
	return nil
}
