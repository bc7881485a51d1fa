package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/podd/podd/internal/invalid"
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
	return nil
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

// checkHostPath applies hostPath.type: the *OrCreate types create, the others must match.
func checkHostPath(h *corev1.HostPathVolumeSource) error {
	t := corev1.HostPathUnset
	if h.Type != nil {
		t = *h.Type
	}
	switch t {
	case corev1.HostPathDirectoryOrCreate:
		return os.MkdirAll(h.Path, 0o755)
	case corev1.HostPathFileOrCreate:
		f, err := os.OpenFile(h.Path, os.O_CREATE|os.O_RDONLY, 0o644)
		if err == nil {
			f.Close()
		}
		return err
	}
	st, err := os.Stat(h.Path)
	if err != nil {
		return fmt.Errorf("path %q: %w", h.Path, err)
	}
	return checkHostPathType(h.Path, t, st.Mode())
}

func checkHostPathType(path string, t corev1.HostPathType, m os.FileMode) error {
	want := map[corev1.HostPathType]func(os.FileMode) bool{
		corev1.HostPathDirectory: os.FileMode.IsDir,
		corev1.HostPathFile:      os.FileMode.IsRegular,
		corev1.HostPathSocket:    func(m os.FileMode) bool { return m&os.ModeSocket != 0 },
		corev1.HostPathCharDev:   func(m os.FileMode) bool { return m&os.ModeCharDevice != 0 },
		corev1.HostPathBlockDev:  func(m os.FileMode) bool { return m&os.ModeDevice != 0 && m&os.ModeCharDevice == 0 },
	}[t]
	if want != nil && !want(m) {
		return fmt.Errorf("path %q is not of type %s", path, t)
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

// removeVolumes unmounts memory-backed emptyDirs; the directories go with the pod directory.
func (s *sandbox) removeVolumes() error {
	var errs []error
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
