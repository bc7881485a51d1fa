package nsinit

import (
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// DefaultPath is the PATH a container gets when neither the image nor the pod sets one.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

func pathEnv(env []string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], "PATH="); ok {
			return v
		}
	}
	return DefaultPath
}

// LookPath finds file in the PATH of env (DefaultPath when env has none), as execvp would, with
// the error runc users know (`exec: "app": executable file not found in $PATH`), a *SetupError
// of StepExec whose Errno is what execve would have said (ENOENT, EACCES). Call it where the
// container's root is the filesystem root.
func LookPath(file string, env []string) (string, error) {
	path := pathEnv(env)
	if strings.Contains(file, "/") {
		return file, executable(file)
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, file)
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", &SetupError{Step: StepExec, Path: file, Errno: unix.ENOENT, Msg: "executable file not found in $PATH"}
}

func executable(p string) error {
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		return setupError(StepExec, p, err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return &SetupError{Step: StepExec, Path: p, Errno: unix.EACCES, Msg: "is a directory"}
	}
	if err := unix.Access(p, unix.X_OK); err != nil {
		return &SetupError{Step: StepExec, Path: p, Errno: unix.EACCES, Msg: "permission denied"}
	}
	return nil
}
