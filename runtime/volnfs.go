package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/podd/podd/mounts"
	corev1 "k8s.io/api/core/v1"
)

// nfs volumes, kubelet's way: mounted once per pod on its volume directory
// (<pod dir>/volumes/<name>) in podd's mount namespace, bound from there into each container
// that mounts it, unmounted when the pod goes. The mount is made by the pod's mounter
// (volwait.go), never by the apply: the pod waits in ContainerCreating until it is there, and a
// server that fails or does not answer leaves a FailedMount event naming it and the errno, then
// is tried again with kubelet's growing delay. One attempt is bounded by the kernel's RPC
// timeouts (mounts.MountNFS: about 30 s for a silent server), and holds nothing meanwhile: the
// filesystem is made detached (mounts.MountDetached) and attached under mu only if the pod is
// not being removed, so a delete or a podd shutdown never waits for a server.
type nfsState struct {
	// mu is held while a mount made is attached and through the unmount at removal: once the
	// teardown has set removed, no mount comes on the pod's directories.
	mu      sync.Mutex
	mounted map[string]bool
	removed bool // unmounted for good: mount nothing more
}

// nfsMount is mount(2) in two steps (make, then attach); tests replace it.
var nfsMount mounts.DetachedMountFunc = mounts.MountDetached

// createNFSDirs makes the directories the nfs volumes mount on and marks them pending (no
// message yet: nothing was tried).
func (s *sandbox) createNFSDirs() error {
	for _, v := range s.volumes {
		if v.NFS == nil {
			continue
		}
		if err := os.MkdirAll(s.volumeDir(v.Name), 0o750); err != nil {
			return fmt.Errorf("nfs volume %s: %w", v.Name, err)
		}
		s.setNFSPending(v.Name, "", true)
	}
	return nil
}

// setNFSPending records a volume as pending with its FailedMount message, or as set up.
func (s *sandbox) setNFSPending(name, msg string, pending bool) {
	s.vols.mu.Lock()
	defer s.vols.mu.Unlock()
	if pending {
		s.vols.pending[name] = msg
	} else {
		delete(s.vols.pending, name)
	}
}

// mountNFS tries the nfs volumes not mounted yet; each failure leaves its volume pending with
// kubelet's FailedMount message.
func (s *sandbox) mountNFS() {
	for i := range s.volumes {
		v := &s.volumes[i]
		if v.NFS == nil {
			continue
		}
		err := s.mountNFSVolume(v)
		if errors.Is(err, errNFSRemoved) {
			return // the pod is going
		}
		if err != nil {
			logf("pod %s: volume %s: %v", s.name, v.Name, err)
			s.setNFSPending(v.Name, fmt.Sprintf("MountVolume.SetUp failed for volume %q : %v", v.Name, err), true)
			continue
		}
		s.setNFSPending(v.Name, "", false)
	}
}

var errNFSRemoved = errors.New("the pod's volumes are removed")

func (s *sandbox) mountNFSVolume(v *corev1.Volume) error {
	if err := s.nfsWanted(v.Name); err != nil {
		return err
	}
	n := mounts.NFS{Server: v.NFS.Server, Path: v.NFS.Path, ReadOnly: v.NFS.ReadOnly}
	mount := func(source, target, fstype string, flags uintptr, data string) error {
		return nfsMount(source, target, fstype, flags, data, func(attach func() error) error {
			return s.attachNFS(v.Name, attach)
		})
	}
	vers, err := mounts.MountNFS(context.Background(), n, s.volumeDir(v.Name), mount)
	if errors.Is(err, errNFSMounted) {
		return nil
	}
	if err != nil {
		return err
	}
	logf("pod %s: nfs volume %s: %s:%s mounted, vers=%s", s.name, v.Name, n.Server, n.Path, vers)
	return nil
}

var errNFSMounted = errors.New("mounted meanwhile")

// nfsWanted is nil when the volume is still to be mounted.
func (s *sandbox) nfsWanted(name string) error {
	s.nfs.mu.Lock()
	defer s.nfs.mu.Unlock()
	return s.nfsWantedLocked(name)
}

func (s *sandbox) nfsWantedLocked(name string) error {
	switch {
	case s.nfs.removed:
		return errNFSRemoved
	case s.nfs.mounted[name]:
		return errNFSMounted
	}
	return nil
}

// attachNFS puts a mount made on the volume's directory, unless the pod is being removed or
// the volume was mounted meanwhile (the mount made is then discarded).
func (s *sandbox) attachNFS(name string, attach func() error) error {
	s.nfs.mu.Lock()
	defer s.nfs.mu.Unlock()
	if err := s.nfsWantedLocked(name); err != nil {
		return err
	}
	if err := attach(); err != nil {
		return err
	}
	s.nfs.mounted[name] = true
	return nil
}

// recoverNFS takes the nfs volumes of a pod a previous podd ran: those still mounted (a live
// upgrade, a restart in the same mount namespace) are kept, the others are pending again.
func (s *sandbox) recoverNFS() {
	for _, v := range s.volumes {
		if v.NFS == nil {
			continue
		}
		mounted, err := mounts.IsNFS(s.volumeDir(v.Name))
		if err != nil {
			logf("pod %s: volume %s: %v", s.name, v.Name, err)
		}
		s.nfs.mu.Lock()
		s.nfs.mounted[v.Name] = mounted
		s.nfs.mu.Unlock()
		s.setNFSPending(v.Name, "", !mounted)
	}
}

// unmountNFS unmounts every nfs volume for good (an attempt in flight attaches nothing after it). It
// unmounts what is there rather than what this podd mounted, so a teardown a restarted podd
// finishes unmounts too; an error means a mount may still be there.
func (s *sandbox) unmountNFS() error {
	s.nfs.mu.Lock()
	defer s.nfs.mu.Unlock()
	s.nfs.removed = true
	var errs []error
	for _, v := range s.volumes {
		if v.NFS == nil {
			continue
		}
		dir := s.volumeDir(v.Name)
		err := unmountUnder(dir)
		if err == nil {
			if still, _ := mounts.IsNFS(dir); still {
				err = errors.New("still mounted")
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("unmount nfs volume %s: %w", v.Name, err))
			continue
		}
		delete(s.nfs.mounted, v.Name)
	}
	return errors.Join(errs...)
}

// nfsReady fails for an nfs volume that is not mounted (a podd restarted in a new mount
// namespace mounts it again): its empty directory is never bound in the export's place.
func (s *sandbox) nfsReady(name string) error {
	s.vols.mu.Lock()
	defer s.vols.mu.Unlock()
	for _, v := range s.volumes {
		if v.Name != name || v.NFS == nil {
			continue
		}
		if _, pending := s.vols.pending[name]; pending {
			return fmt.Errorf("nfs volume %q is not mounted yet", name)
		}
	}
	return nil
}

// nfsReadOnly reports whether v is an nfs volume mounted read-only.
func nfsReadOnly(v *corev1.Volume) bool { return v.NFS != nil && v.NFS.ReadOnly }
