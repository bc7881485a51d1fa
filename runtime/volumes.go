package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/podd/podd/configobj"
	"github.com/podd/podd/internal/invalid"
	"github.com/podd/podd/mounts"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// createVolumes makes each emptyDir (a directory per pod, tmpfs for medium Memory) and checks
// each hostPath against its type.
func (s *sandbox) createVolumes() error {
	if err := s.checkHostPaths(); err != nil {
		return err
	}
	if err := s.createShm(); err != nil {
		return err
	}
	for i, v := range s.volumes {
		path := fmt.Sprintf("spec.volumes[%d]", i)
		var err error
		switch {
		case v.EmptyDir != nil:
			err = s.createEmptyDir(v.Name, v.EmptyDir)
		case v.HostPath != nil:
			err = checkHostPath(v.HostPath)
			path += ".hostPath"
		}
		if err != nil {
			return invalid.Pod(s.podName(), fmt.Sprintf("%s: %v", path, err), invalid.Field(path, err.Error()))
		}
	}
	if err := s.createNFSDirs(); err != nil { // mounted by the pod's mounter (volnfs.go)
		return err
	}
	_, err := s.projectAll(false) // a missing object leaves its volume pending (volwait.go)
	return err
}

// checkHostPaths refuses, before any *OrCreate creates anything, a hostPath into podd's own
// directories.
func (s *sandbox) checkHostPaths() error {
	for i, v := range s.volumes {
		if v.HostPath == nil {
			continue
		}
		fp := field.NewPath("spec", "volumes").Index(i).Child("hostPath", "path")
		err := checkStateDirs(v.HostPath.Path, s.rt.stateDirs(), fp)
		var fe *field.Error
		if errors.As(err, &fe) {
			return invalid.Pod(s.podName(), fe.Error(), fe)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *sandbox) createEmptyDir(name string, e *corev1.EmptyDirVolumeSource) error {
	dir := s.volumeDir(name)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return fmt.Errorf("emptyDir: %w", err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		return fmt.Errorf("emptyDir: %w", err)
	}
	if e.Medium != corev1.StorageMediumMemory {
		return s.fsGroupOwn(dir)
	}
	data := "mode=1777"
	if e.SizeLimit != nil && !e.SizeLimit.IsZero() {
		data += fmt.Sprintf(",size=%d", e.SizeLimit.Value())
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, data); err != nil {
		return fmt.Errorf("emptyDir medium Memory: mount tmpfs on %s: %w", dir, err)
	}
	return s.fsGroupOwn(dir)
}

// checkHostPath applies hostPath.type as the kubelet does (its words in errors): the *OrCreate
// types create what is missing, an existing path and the other types must match.
func checkHostPath(h *corev1.HostPathVolumeSource) error {
	t := corev1.HostPathUnset
	if h.Type != nil {
		t = *h.Type
	}
	st, err := os.Stat(h.Path)
	switch {
	case t == corev1.HostPathUnset && err != nil:
		return fmt.Errorf("path %q: %w", h.Path, err)
	case t == corev1.HostPathUnset:
		return nil
	case errors.Is(err, os.ErrNotExist) && t == corev1.HostPathDirectoryOrCreate:
		return os.MkdirAll(h.Path, 0o755)
	case errors.Is(err, os.ErrNotExist) && t == corev1.HostPathFileOrCreate:
		f, err := os.OpenFile(h.Path, os.O_CREATE|os.O_RDONLY, 0o644)
		if err == nil {
			f.Close()
		}
		return err
	}
	var m os.FileMode
	if err == nil {
		m = st.Mode()
	}
	return checkHostPathType(h.Path, t, m, err == nil)
}

// hostPathKinds are each type's test and the words of kubelet's error.
var hostPathKinds = map[corev1.HostPathType]struct {
	is   func(os.FileMode) bool
	name string
}{
	corev1.HostPathDirectoryOrCreate: {os.FileMode.IsDir, "directory"},
	corev1.HostPathDirectory:         {os.FileMode.IsDir, "directory"},
	corev1.HostPathFileOrCreate:      {os.FileMode.IsRegular, "file"},
	corev1.HostPathFile:              {os.FileMode.IsRegular, "file"},
	corev1.HostPathSocket:            {func(m os.FileMode) bool { return m&os.ModeSocket != 0 }, "socket file"},
	corev1.HostPathCharDev:           {func(m os.FileMode) bool { return m&os.ModeCharDevice != 0 }, "character device"},
	corev1.HostPathBlockDev:          {func(m os.FileMode) bool { return m&os.ModeDevice != 0 && m&os.ModeCharDevice == 0 }, "block device"},
}

func checkHostPathType(path string, t corev1.HostPathType, m os.FileMode, exists bool) error {
	k, ok := hostPathKinds[t]
	if ok && (!exists || !k.is(m)) {
		return fmt.Errorf("hostPath type check failed: %s is not a %s", path, k.name)
	}
	return nil
}

func (s *sandbox) volumeDir(name string) string { return filepath.Join(s.dir(), "volumes", name) }

// volumeSource is the host path a volume mount binds.
func (s *sandbox) volumeSource(name string) (string, error) {
	for _, v := range s.volumes {
		if v.Name != name {
			continue
		}
		if v.HostPath != nil {
			return v.HostPath.Path, nil
		}
		if configobj.InMemory(&v) {
			return s.memVolumeDir(name), nil
		}
		return s.volumeDir(name), nil
	}
	return "", fmt.Errorf("volume %q not found", name)
}

// hostPathOf is the hostPath source of the named volume, nil for another kind.
func (s *sandbox) hostPathOf(name string) *corev1.HostPathVolumeSource {
	for _, v := range s.volumes {
		if v.Name == name {
			return v.HostPath
		}
	}
	return nil
}

// removeVolumes removes the pod's directory on podd's memory tmpfs (/dev/shm, secret and
// projected volumes) and unmounts memory-backed emptyDirs; the other directories go with the pod
// directory.
func (s *sandbox) removeVolumes() error {
	s.removeProjected()
	var errs []error
	if err := os.RemoveAll(s.memDir()); err != nil {
		errs = append(errs, fmt.Errorf("remove the pod's memory directory: %w", err))
	}
	for _, v := range s.volumes {
		if v.EmptyDir == nil || v.EmptyDir.Medium != corev1.StorageMediumMemory {
			continue
		}
		err := unix.Unmount(s.volumeDir(v.Name), unix.MNT_DETACH)
		if err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("unmount emptyDir %s: %w", v.Name, err))
		}
	}
	return errors.Join(errs...)
}

// createProjected writes the files of a configMap, secret, downwardAPI or projected volume with
// kubelet's atomic writer (mounts.Project); secret and projected volumes live on podd's memory
// tmpfs (memDir), so a secret never touches a disk. A missing object or key that is not optional
// is a NotFound error (the volume is then pending: volwait.go).
func (s *sandbox) createProjected(v *corev1.Volume, p *field.Path) *field.Error {
	files, fe := s.rt.VolumeFiles(s.meta, v, p)
	if fe != nil {
		return fe
	}
	dir := s.volumeDir(v.Name)
	if configobj.InMemory(v) {
		dir = s.memVolumeDir(v.Name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return field.InternalError(p, err)
	}
	if err := mounts.Project(dir, files); err != nil {
		return field.InternalError(p, err)
	}
	return nil
}

// readOnlyVolume reports whether the named volume is one the kubelet always mounts read-only
// (configMap, secret, downwardAPI, projected: their files are podd's) or an nfs volume with
// readOnly.
func (s *sandbox) readOnlyVolume(name string) bool {
	for i := range s.volumes {
		if s.volumes[i].Name == name {
			return configobj.Projected(&s.volumes[i]) || nfsReadOnly(&s.volumes[i])
		}
	}
	return false
}

// memDir is the pod's directory on podd's memory tmpfs (<run>/mem, mounted once: see
// mountMem): its /dev/shm and its secret and projected volumes. One tmpfs for every pod rather
// than one per pod keeps podd's mount table, which every container start copies, the same size
// whatever the number of pods (TestMountsDoNotGrowWithPods). Its pages are charged to the memory
// cgroup of the process that writes them, so a pod's limit bounds what it puts there.
func (s *sandbox) memDir() string { return filepath.Join(s.rt.memRoot(), s.id) }

func (s *sandbox) memVolumeDir(name string) string {
	return filepath.Join(s.memDir(), "volumes", name)
}

func (s *sandbox) shmDir() string { return filepath.Join(s.memDir(), "shm") }

// createShm makes the directory every container of the pod sees at /dev/shm (kubelet
// semantics: one /dev/shm per pod).
func (s *sandbox) createShm() error {
	if err := os.MkdirAll(s.shmDir(), 0o755); err != nil {
		return fmt.Errorf("pod /dev/shm: %w", err)
	}
	if err := os.Chmod(s.shmDir(), 0o1777); err != nil {
		return fmt.Errorf("pod /dev/shm: %w", err)
	}
	return nil
}

func (rt *Runtime) memRoot() string { return filepath.Join(rt.opts.Run, "mem") }

// mountMem mounts podd's memory tmpfs at <run>/mem, unless a previous podd left it there.
func (rt *Runtime) mountMem() error {
	dir := rt.memRoot()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("memory tmpfs: %w", err)
	}
	var st unix.Statfs_t
	var self, parent unix.Stat_t
	if unix.Statfs(dir, &st) == nil && st.Type == unix.TMPFS_MAGIC &&
		unix.Stat(dir, &self) == nil && unix.Stat(filepath.Dir(dir), &parent) == nil && self.Dev != parent.Dev {
		return nil // a tmpfs mounted there: a previous podd's
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=0700"); err != nil {
		return fmt.Errorf("memory tmpfs: mount on %s: %w", dir, err)
	}
	return nil
}

// restoreMemVolumes makes the pod's directory on the memory tmpfs again when a recovering podd
// finds it gone (a new tmpfs: reboot, or a podd in a new mount namespace), and takes the
// projected volumes (recoverVolumes).
func (s *sandbox) restoreMemVolumes() error {
	if _, err := os.Stat(s.memDir()); errors.Is(err, os.ErrNotExist) {
		if err := s.createShm(); err != nil {
			return err
		}
	}
	return s.recoverVolumes()
}
