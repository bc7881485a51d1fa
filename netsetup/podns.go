// Package netsetup holds a pod's network side: its net, IPC and UTS namespaces pinned by bind
// mounts (no pause process), one Linux bridge on the host, one veth pair per pod and a
// host-local IPAM that keeps one file per allocated address.
//
// Namespace work runs on a fresh OS thread that is locked and never unlocked, so the Go runtime
// discards it when the work is done: no thread of the caller ever changes namespace.
package netsetup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/podd/podd/internal/nsthread"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// pins are the namespaces a pod shares, by their name under /proc/<tid>/ns, with their
// CLONE_NEW* type.
var pins = [...]pinKind{
	{"net", unix.CLONE_NEWNET},
	{"ipc", unix.CLONE_NEWIPC},
	{"uts", unix.CLONE_NEWUTS},
}

// loopbackIndex is the ifindex of "lo" in every network namespace (LOOPBACK_IFINDEX).
const loopbackIndex = 1

// PodNS is a pod's shared network, IPC and UTS namespaces, pinned by bind mounts at Dir/net,
// Dir/ipc and Dir/uts (no pause process). The bind mounts live in the pins namespace of Dir's
// parent (pinsns.go), not in podd's mount namespace: Dir and the pin files are seen from both,
// the mounts only from the pins namespace.
type PodNS struct {
	Dir string
	mnt *os.File // the pins namespace (pinsns.go); nil in a PodNS made by hand: found from Dir
}

// CreatePodNS makes new network, IPC and UTS namespaces with the given hostname and "lo" up, and
// pins them under dir (created if missing) in the pins namespace. Dir's parent becomes a private
// mount (bound onto itself if it is not a mount point yet) so no pin propagates. On failure
// nothing is left behind.
func CreatePodNS(dir, hostname string) (*PodNS, error) {
	return createPodNS(dir, "", func() error {
		if err := unix.Unshare(unix.CLONE_NEWNET | unix.CLONE_NEWIPC | unix.CLONE_NEWUTS); err != nil {
			return fmt.Errorf("unshare net, ipc, uts: %w", err)
		}
		if err := unix.Sethostname([]byte(hostname)); err != nil {
			return fmt.Errorf("set hostname %q: %w", hostname, err)
		}
		lo := &netlink.Device{LinkAttrs: netlink.LinkAttrs{Index: loopbackIndex, Name: "lo"}}
		if err := netlink.LinkSetUp(lo); err != nil {
			return fmt.Errorf("set \"lo\" up: %w", err)
		}
		return nil
	})
}

// createPodNS makes dir and, on a throwaway thread, runs unshare (which leaves the thread in the
// namespaces to pin) and pins the thread's namespaces under dir. what says which kind of pod
// namespaces failed. On failure nothing is left behind.
func createPodNS(dir, what string, unshare func() error) (*PodNS, error) {
	p, err := podNSOf(dir, true)
	if err != nil {
		return nil, err
	}
	created, err := p.makeDir()
	if err != nil {
		return nil, err
	}
	err = nsthread.Run(func() error {
		if err := unshare(); err != nil {
			return err
		}
		if err := enterPins(p.mnt); err != nil {
			return err
		}
		return p.pinThread()
	})
	if err != nil {
		if created {
			os.Remove(p.Dir)
		}
		return nil, fmt.Errorf("create pod namespaces%s %q: %w", what, dir, err)
	}
	return p, nil
}

// podNSOf is the PodNS of dir (made absolute: pin work runs in the pins namespace, whose
// root is its working directory) with the pins namespace of dir's parent, made if missing when
// create is set.
func podNSOf(dir string, create bool) (*PodNS, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("pod namespaces %q: %w", dir, err)
	}
	ns, err := pinsNS(filepath.Dir(abs), create)
	if err != nil {
		return nil, fmt.Errorf("pod namespaces %q: %w", dir, err)
	}
	return &PodNS{Dir: abs, mnt: ns}, nil
}

// OpenPodNS returns the pod namespaces pinned under dir, checking that every pin is a mounted
// namespace (for a restarted podd).
func OpenPodNS(dir string) (*PodNS, error) {
	p, err := podNSOf(dir, false)
	if err != nil {
		return nil, err
	}
	err = p.inPins(func() error {
		for _, ns := range pins {
			var st unix.Statfs_t
			path := p.path(ns.name)
			if err := unix.Statfs(path, &st); err != nil {
				return fmt.Errorf("open pod namespace %q: %w", path, err)
			}
			if st.Type != unix.NSFS_MAGIC {
				return fmt.Errorf("open pod namespace %q: not a mounted namespace", path)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// AdoptPodNS pins the net, IPC and UTS namespaces of a live process under dir: a restarted
// podd whose pins were lost (their mount namespace went with the old podd) takes them back from
// a container still running in them.
func AdoptPodNS(dir string, pid int) (*PodNS, error) {
	p, err := podNSOf(dir, true)
	if err != nil {
		return nil, err
	}
	created, err := p.makeDir()
	if err != nil {
		return nil, err
	}
	err = p.inPins(func() error {
		for i, ns := range pins {
			_ = unpin(p.path(ns.name))
			if err := pin(fmt.Sprintf("/proc/%d/ns/%s", pid, ns.name), p.path(ns.name)); err != nil {
				for _, done := range pins[:i] {
					unpin(p.path(done.name))
				}
				return err
			}
		}
		return nil
	})
	if err != nil {
		if created {
			os.Remove(p.Dir)
		}
		return nil, fmt.Errorf("adopt pod namespaces of pid %d: %w", pid, err)
	}
	return p, nil
}

// OpenNet opens the pod's network namespace (its pin lives in the pins namespace, out of sight
// of podd's own): a socket made on a thread that joined it stays in it (probes dial from it).
func (p *PodNS) OpenNet() (*os.File, error) {
	files, err := p.open(pins[0])
	if err != nil {
		closeAll(files)
		return nil, err
	}
	return files[0], nil
}

func (p *PodNS) path(ns string) string { return filepath.Join(p.Dir, ns) }

// Do runs fn on a locked OS thread that has joined the pod's net, IPC and UTS namespaces. The
// thread is discarded afterwards, so the caller's threads are untouched; a child cloned from it
// (exec.Cmd.Start inside fn) inherits the namespaces, and podd's mount namespace (not the pins
// namespace). Goroutines started by fn do not.
func (p *PodNS) Do(fn func() error) error {
	files, err := p.open(pins[:]...)
	defer closeAll(files)
	if err != nil {
		return err
	}
	return nsthread.Run(func() error {
		for i, ns := range pins {
			if err := unix.Setns(int(files[i].Fd()), ns.flags); err != nil {
				return fmt.Errorf("join pod namespace %q: %w", files[i].Name(), err)
			}
		}
		return fn()
	})
}

type pinKind = struct {
	name  string
	flags int
}

// open opens the pins of the given namespaces (from the pins namespace).
func (p *PodNS) open(kinds ...pinKind) ([]*os.File, error) {
	files := make([]*os.File, 0, len(kinds))
	err := p.inPins(func() error {
		for _, ns := range kinds {
			f, err := os.Open(p.path(ns.name))
			if err != nil {
				return fmt.Errorf("open pod namespace: %w", err)
			}
			files = append(files, f)
		}
		return nil
	})
	return files, err
}

func closeAll(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// inPins runs fn on a throwaway thread in the pins namespace p's pins live in.
func (p *PodNS) inPins(fn func() error) error {
	if p.mnt == nil {
		return inPins(filepath.Dir(p.Dir), fn)
	}
	return nsthread.Run(func() error {
		if err := enterPins(p.mnt); err != nil {
			return err
		}
		return fn()
	})
}

// Remove unmounts (lazily) and deletes the pins and Dir, in the pins namespace and in the
// caller's (where an older podd pinned); what is already gone is fine. Once no
// process, thread or socket uses the namespaces any more, the kernel destroys them, and with the
// network namespace the pod's veth pair.
func (p *PodNS) Remove() error {
	var errs []error
	err := p.inPins(func() error {
		for _, ns := range pins {
			errs = append(errs, unpin(p.path(ns.name)))
		}
		return nil
	})
	if errors.Is(err, errNoPinsNS) {
		err = nil
	}
	errs = append(errs, err)
	// Then in podd's own mount namespace: a pin an older podd made there (or only the files).
	for _, ns := range pins {
		errs = append(errs, unpin(p.path(ns.name)))
	}
	if err := os.Remove(p.Dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, fmt.Errorf("remove pod namespaces: %w", err))
	}
	return errors.Join(errs...)
}

// makeDir creates Dir if needed, reporting whether it did (its parent, a private mount, was
// made with the pins namespace).
func (p *PodNS) makeDir() (created bool, err error) {
	err = os.Mkdir(p.Dir, 0o700)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create pod namespaces: %w", err)
	}
	return true, nil
}

// makePrivate makes dir a private mount, first binding it onto itself if it is not a mount
// point (like `ip netns add` does with /run/netns). Pins made below a private mount do not
// propagate to other mount namespaces.
func makePrivate(dir string) error {
	err := unix.Mount("", dir, "", unix.MS_PRIVATE, "")
	if err == unix.EINVAL { // not a mount point
		if err := unix.Mount(dir, dir, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("bind %q onto itself: %w", dir, err)
		}
		err = unix.Mount("", dir, "", unix.MS_PRIVATE, "")
	}
	if err != nil {
		return fmt.Errorf("make %q a private mount: %w", dir, err)
	}
	return nil
}

// pinThread bind-mounts the calling thread's namespaces onto new files under Dir, undoing its
// own pins on failure (an existing pin is an error and is left alone).
func (p *PodNS) pinThread() error {
	for i, ns := range pins {
		if err := pin("/proc/thread-self/ns/"+ns.name, p.path(ns.name)); err != nil {
			for _, done := range pins[:i] {
				unpin(p.path(done.name))
			}
			return err
		}
	}
	return nil
}

func pin(src, path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return fmt.Errorf("create pin: %w", err)
	}
	f.Close()
	if err := unix.Mount(src, path, "", unix.MS_BIND, ""); err != nil {
		os.Remove(path)
		return fmt.Errorf("pin %q: %w", path, err)
	}
	return nil
}

// unpin detaches the namespace mounted at path and removes the file; a missing or unmounted
// pin is fine.
func unpin(path string) error {
	err := unix.Unmount(path, unix.MNT_DETACH)
	if err != nil && err != unix.EINVAL && err != unix.ENOENT {
		return fmt.Errorf("unmount pin %q: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove pin: %w", err)
	}
	return nil
}
