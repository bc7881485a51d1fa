package runtime

import (
	"errors"
	"fmt"
	"os"

	"github.com/podd/podd/internal/invalid"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// createVolumes makes each emptyDir (a directory per pod, tmpfs for medium Memory) and checks
// each hostPath against its type.
func (p *pod) createVolumes() error {
	if err := p.checkHostPaths(); err != nil {
		return err
	}
	for i, v := range p.obj.Spec.Volumes {
		path := fmt.Sprintf("spec.volumes[%d]", i)
		var err error
		switch {
		case v.EmptyDir != nil:
			err = p.createEmptyDir(v.Name, v.EmptyDir)
		case v.HostPath != nil:
			err = checkHostPath(v.HostPath)
			path += ".hostPath"
		}
		if err != nil {
			return invalid.Pod(p.obj.Name, fmt.Sprintf("%s: %v", path, err), invalid.Field(path, err.Error()))
		}
	}
	return nil
}

// checkHostPaths refuses, before any *OrCreate creates anything, a hostPath into podd's own
// directories.
func (p *pod) checkHostPaths() error {
	for i, v := range p.obj.Spec.Volumes {
		if v.HostPath == nil {
			continue
		}
		fp := field.NewPath("spec", "volumes").Index(i).Child("hostPath", "path")
		err := checkStateDirs(v.HostPath.Path, p.rt.stateDirs(), fp)
		var fe *field.Error
		if errors.As(err, &fe) {
			return invalid.Pod(p.obj.Name, fe.Error(), fe)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (p *pod) createEmptyDir(name string, e *corev1.EmptyDirVolumeSource) error {
	dir := p.volumeDir(name)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return fmt.Errorf("emptyDir: %w", err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		return fmt.Errorf("emptyDir: %w", err)
	}
	if e.Medium != corev1.StorageMediumMemory {
		return nil
	}
	data := "mode=1777"
	if e.SizeLimit != nil && !e.SizeLimit.IsZero() {
		data += fmt.Sprintf(",size=%d", e.SizeLimit.Value())
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, data); err != nil {
		return fmt.Errorf("emptyDir medium Memory: mount tmpfs on %s: %w", dir, err)
	}
	return nil
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

// volumeSource is the host path a volume mount binds.
func (p *pod) volumeSource(name string) (string, error) {
	for _, v := range p.obj.Spec.Volumes {
		if v.Name != name {
			continue
		}
		if v.HostPath != nil {
			return v.HostPath.Path, nil
		}
		return p.volumeDir(name), nil
	}
	return "", fmt.Errorf("volume %q not found", name)
}

// hostPathOf is the hostPath source of the named volume, nil for another kind.
func (p *pod) hostPathOf(name string) *corev1.HostPathVolumeSource {
	for _, v := range p.obj.Spec.Volumes {
		if v.Name == name {
			return v.HostPath
		}
	}
	return nil
}

// removeVolumes unmounts memory-backed emptyDirs; the directories go with the pod directory.
func (p *pod) removeVolumes() error {
	var errs []error
	for _, v := range p.obj.Spec.Volumes {
		if v.EmptyDir == nil || v.EmptyDir.Medium != corev1.StorageMediumMemory {
			continue
		}
		err := unix.Unmount(p.volumeDir(v.Name), unix.MNT_DETACH)
		if err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("unmount emptyDir %s: %w", v.Name, err))
		}
	}
	return errors.Join(errs...)
}
